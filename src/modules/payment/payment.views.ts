import type { StoredEvent } from '@gyroscops/event-store';

export { historyEntry, type HistoryEntry } from '@gyroscops/ddd';

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
