import type { StoredEvent } from '@gyroscops/event-store';

/** One event of an aggregate's audit trail: what happened, when, with which data and metadata, and why. */
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
