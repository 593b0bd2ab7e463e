import { DuplicateEventError } from './event-store.errors';
import type { ExpectedVersion, NewEvent } from './event-store.port';

export interface EventLocation {
  aggregateId: string;
  version: number;
}

export type IdempotencyVerdict = { kind: 'new' } | { kind: 'already-stored'; fromVersion: number; toVersion: number };

/**
 * EventStoreDB's rule for retries: an append whose client-chosen eventIds are all already stored, in order,
 * at consecutive versions of the same stream where this append would have put them, is a success that stores
 * nothing. The same eventId anywhere else is refused.
 */
export function judgeRetry(
  aggregateId: string,
  events: readonly NewEvent[],
  expected: ExpectedVersion,
  located: ReadonlyMap<string, EventLocation>,
): IdempotencyVerdict {
  const ids = events.map((e) => e.eventId?.toLowerCase());
  const hits = ids.map((id) => (id ? located.get(id) : undefined));
  if (hits.every((h) => h === undefined)) return { kind: 'new' };
  const first = hits[0];
  const consistent =
    first !== undefined &&
    first.aggregateId === aggregateId &&
    hits.every((h, i) => h !== undefined && h.aggregateId === aggregateId && h.version === first.version + i) &&
    (typeof expected !== 'number' || first.version === expected + 1) &&
    (expected !== 'no_stream' || first.version === 1);
  if (consistent) return { kind: 'already-stored', fromVersion: first.version, toVersion: first.version + events.length - 1 };
  const i = hits.findIndex((h) => h !== undefined);
  const h = hits[i] as EventLocation;
  throw new DuplicateEventError(ids[i] as string, h.aggregateId, h.version);
}
