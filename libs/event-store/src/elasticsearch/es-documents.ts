import type { StoredEvent } from '../event-store.port';
import type { StreamLifecycle } from '../stream-lifecycle';

/** The lease a writer holds on a stream while it commits: what it will write, and until when others wait. */
export interface Pending {
  txId: string;
  firstPosition: number;
  lastPosition: number;
  fromVersion: number;
  toVersion: number;
  expiresAt: number;
  /**
   * The positions were claimed in the lease's own bulk, beside the counter's compare-and-set, which may have failed:
   * they may be another writer's. Whoever fences this lease fences its first position alone (see `fenceRange`).
   */
  claimed?: true;
}

/**
 * The range to fence for a lease or reservation nobody came back to: all its positions when they were allocated to
 * it, its first alone when they were only claimed (a tombstone's range must never cover another writer's commit,
 * since the log walk jumps past it; a single position inside someone's range is never read, and the rest of a range
 * that was ours is fenced by readers after the gap timeout).
 */
export function fenceRange(p: { firstPosition: number; lastPosition: number; claimed?: true }): [number, number] {
  return [p.firstPosition, p.claimed ? p.firstPosition : p.lastPosition];
}

/** The stream head, `<prefix>-streams/<aggregateId>`. */
export interface HeadDoc {
  aggregateId: string;
  aggregateType: string;
  organizationId: string;
  version: number;
  /** Last global position committed to this stream. */
  lastPosition: number;
  updatedAt: string;
  pending: Pending | null;
  /** When the lease was taken (indexed, so a sweep can find leases nobody came back to). */
  pendingSince: number | null;
  /** Retention and deletion (absent: none). Every head write carries it over. */
  lifecycle?: StreamLifecycle;
}

/** A head as read, with what a compare-and-set over it needs (no `doc`: the stream does not exist). */
export interface Head {
  doc: HeadDoc | null;
  seqNo?: number;
  primaryTerm?: number;
}

/** A commit in the global log, `<prefix>-log/<firstPosition>`: all events of one append. */
export interface CommitDoc {
  kind: 'commit';
  txId: string;
  aggregateId: string;
  aggregateType: string;
  organizationId: string;
  firstPosition: number;
  lastPosition: number;
  fromVersion: number;
  toVersion: number;
  events: StoredEvent[];
  /**
   * Hashes of the subjects whose personal sections the commit holds (indexed): an erasure finds their streams through
   * the log even when search no longer holds them (a soft delete, retention). Kept by the tombstone that replaces it.
   */
  subjects?: string[];
}

/** Positions that will never commit. */
export interface TombstoneDoc {
  kind: 'tombstone';
  firstPosition: number;
  lastPosition: number;
  reason: string;
  /** The purged commit's `aggregateId` and `subjects`, when it had personal sections (erasure still finds the stream). */
  aggregateId?: string;
  subjects?: string[];
}

export type LogDoc = CommitDoc | TombstoneDoc;

/**
 * Where an event id lives, `<prefix>-event-ids/<eventId>`. Written as a reservation (with the reserving append's
 * `txId` and positions) before the commit; it stays so once the append commits (the log's commit document at
 * `firstPosition` with the same `txId` says it did). Roll-forward and re-derivation write it without them.
 */
export interface EventIdDoc {
  aggregateId: string;
  version: number;
  txId?: string;
  firstPosition?: number;
  lastPosition?: number;
  expiresAt?: number;
  /** As `Pending.claimed`. */
  claimed?: true;
}

/** An event-id document as read, with what a compare-and-set over it needs. */
export type LocatedEventId = EventIdDoc & { seqNo: number; primaryTerm: number };

/** A stream head as written by the lease, abort, finalise and recovery steps. */
export function headDocument(
  stream: { aggregateId: string; aggregateType: string; organizationId: string; lifecycle?: StreamLifecycle },
  at: { version: number; lastPosition: number },
  updatedAt: string,
  pending: Pending | null,
  pendingSince: number | null = null,
): HeadDoc {
  return {
    aggregateId: stream.aggregateId,
    aggregateType: stream.aggregateType,
    organizationId: stream.organizationId,
    version: at.version,
    lastPosition: at.lastPosition,
    updatedAt,
    pending,
    pendingSince: pending ? pendingSince : null,
    ...(stream.lifecycle ? { lifecycle: stream.lifecycle } : {}),
  };
}
