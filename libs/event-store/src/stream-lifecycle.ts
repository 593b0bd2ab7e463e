import { InvalidEventError, StreamProtectedError } from './event-store.errors';
import type { NewEvent, ScavengeReport, StreamMetadata } from './event-store.port';

/** Retention a stream's owner sets (EventStoreDB's `$maxAge`, `$maxCount`, `$tb`): reads honour it at once. */
export interface StreamRetention {
  /** Events older than this many seconds are no longer read (and are removed by scavenging). */
  maxAge?: number;
  /** Only the last `maxCount` events are read. */
  maxCount?: number;
  /** Events below this version are no longer read. */
  truncateBefore?: number;
}

/** What the store records of a stream's life besides its events. */
export interface StreamLifecycle extends StreamRetention {
  /** Soft delete: versions below are hidden until restored; new appends continue after them. */
  softDeletedBefore?: number;
  /** Hard delete: the stream is a tombstone, never written again; its payloads are purged. */
  hardDeleted?: boolean;
  /** Versions below were removed from disk by scavenging (or a hard delete): no read goes below, no restore brings them back. */
  purgedBefore?: number;
  /**
   * Elasticsearch: versions `[from, to)` whose other documents (search, event ids, log payloads, the snapshot of a hard
   * delete) a change or scavenge was bringing in line with this lifecycle when it failed; the next change of the
   * stream or the next scavenge finishes it. Never shown to readers.
   */
  unsettled?: { from: number; to: number };
}

/** The admin stream every deletion, restoration and retention change is recorded in (who, when, why). */
export const LIFECYCLE_STREAM = 'gyroscops.stream-lifecycle';
export const LIFECYCLE_AGGREGATE_TYPE = 'StreamLifecycle';

/** Lifecycle operations never apply to the admin stream that records them (the audit trail stays whole). */
export function assertNotProtected(aggregateId: string): void {
  if (aggregateId === LIFECYCLE_STREAM) throw new StreamProtectedError(aggregateId);
}

/** Lowest version reads still show, given the stream's lifecycle and current version (maxAge aside). */
export function firstVisibleVersion(lifecycle: StreamLifecycle | null | undefined, version: number): number {
  if (!lifecycle) return 1;
  let from = 1;
  if (lifecycle.purgedBefore) from = Math.max(from, lifecycle.purgedBefore);
  if (lifecycle.softDeletedBefore) from = Math.max(from, lifecycle.softDeletedBefore);
  if (lifecycle.truncateBefore) from = Math.max(from, lifecycle.truncateBefore);
  if (lifecycle.maxCount) from = Math.max(from, version - lifecycle.maxCount + 1);
  return from;
}

/** False when `maxAge` puts an event with this timestamp out of reach at `now`. */
export function withinMaxAge(lifecycle: StreamLifecycle | null | undefined, timestamp: string, now: number): boolean {
  if (!lifecycle?.maxAge) return true;
  return Date.parse(timestamp) >= now - lifecycle.maxAge * 1000;
}

/** A stream exists for readers and for `expectedVersion` when it has events that are not soft-deleted. */
export function streamExists(lifecycle: StreamLifecycle | null | undefined, version: number): boolean {
  if (lifecycle?.hardDeleted) return false;
  return version > 0 && version >= (lifecycle?.softDeletedBefore ?? 0);
}

export function deletionState(lifecycle: StreamLifecycle | null | undefined): 'soft' | 'hard' | null {
  if (lifecycle?.hardDeleted) return 'hard';
  return lifecycle?.softDeletedBefore ? 'soft' : null;
}

const MAX_RETENTION = Number.MAX_SAFE_INTEGER;

/** Validates a retention change: each field absent or a positive safe integer. */
export function validateRetention(retention: unknown): asserts retention is StreamRetention {
  const details: { field: string; message: string }[] = [];
  if (typeof retention !== 'object' || retention === null || Array.isArray(retention)) {
    throw new InvalidEventError('retention must be an object', [{ field: 'retention' }]);
  }
  for (const [field, value] of Object.entries(retention)) {
    if (!['maxAge', 'maxCount', 'truncateBefore'].includes(field)) details.push({ field, message: 'is not a retention setting' });
    else if (
      value !== undefined &&
      value !== null &&
      !(Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= MAX_RETENTION)
    ) {
      details.push({ field, message: 'must be a positive integer' });
    }
  }
  if (details.length > 0) throw new InvalidEventError('invalid retention', details);
}

/** The retention fields of a lifecycle, without the deletion markers. */
export function retentionOf(lifecycle: StreamLifecycle | null | undefined): StreamRetention {
  const out: StreamRetention = {};
  if (lifecycle?.maxAge) out.maxAge = lifecycle.maxAge;
  if (lifecycle?.maxCount) out.maxCount = lifecycle.maxCount;
  if (lifecycle?.truncateBefore) out.truncateBefore = lifecycle.truncateBefore;
  return out;
}

/** A lifecycle with its retention replaced by `retention` (absent fields cleared), deletion markers kept. */
export function withRetention(lifecycle: StreamLifecycle, retention: StreamRetention): StreamLifecycle {
  const out: StreamLifecycle = {};
  if (lifecycle.softDeletedBefore) out.softDeletedBefore = lifecycle.softDeletedBefore;
  if (lifecycle.hardDeleted) out.hardDeleted = true;
  if (lifecycle.purgedBefore) out.purgedBefore = lifecycle.purgedBefore;
  return { ...out, ...retentionOf(retention) };
}

export function streamMetadata(
  aggregateId: string,
  aggregateType: string,
  organizationId: string,
  version: number,
  lifecycle: StreamLifecycle | null | undefined,
): StreamMetadata {
  return {
    aggregateId,
    aggregateType,
    organizationId,
    version,
    firstVisibleVersion: firstVisibleVersion(lifecycle, version),
    retention: retentionOf(lifecycle),
    deleted: deletionState(lifecycle),
  };
}

/** The admin stream's record of one lifecycle change (the writer's context says who and when). */
export function lifecycleEvent(
  type: 'StreamSoftDeleted' | 'StreamHardDeleted' | 'StreamRestored' | 'StreamRetentionSet',
  aggregateId: string,
  version: number,
  reason: string,
  retention?: StreamRetention,
): NewEvent {
  return {
    eventType: type,
    eventData: { aggregateId, version, reason: String(reason ?? '').slice(0, 1000), ...(retention ? { retention } : {}) },
  };
}

/** A scavenge report before anything is freed. */
export function emptyScavengeReport(): ScavengeReport {
  return {
    streamsScanned: 0,
    streamsScavenged: 0,
    eventsRemoved: 0,
    telemetryEventsRemoved: 0,
    logDocumentsRewritten: 0,
    bytesFreed: 0,
    tookMs: 0,
  };
}
