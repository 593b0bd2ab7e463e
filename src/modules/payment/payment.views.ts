import type { StoredEvent } from '@gyroscops/event-store';

/** The seed's history entry: what happened, when, with which data and metadata. */
export interface HistoryEntry {
  eventId: string;
  eventType: string;
  version: number;
  position: number;
  timestamp: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  correlationId: string;
  causationId: string | null;
}

export const historyEntry = (e: StoredEvent): HistoryEntry => ({
  eventId: e.eventId,
  eventType: e.eventType,
  version: e.version,
  position: e.position,
  timestamp: e.timestamp,
  data: e.eventData,
  metadata: e.metadata,
  correlationId: e.correlationId,
  causationId: e.causationId,
});

export interface EventResult {
  eventId: string;
  aggregateId: string;
  eventType: string;
  timestamp: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export const eventResult = (e: StoredEvent): EventResult => ({
  eventId: e.eventId,
  aggregateId: e.aggregateId,
  eventType: e.eventType,
  timestamp: e.timestamp,
  data: e.eventData,
  metadata: e.metadata,
});
