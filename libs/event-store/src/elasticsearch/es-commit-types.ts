import type { AppendResult, ExpectedVersion, NewEvent, StoredEvent, WriteContext } from '../event-store.port';
import type { EventLocation } from '../idempotency';
import type { StreamLifecycle } from '../stream-lifecycle';
import type { Head, Pending } from './es-documents';
import type { RetryReason } from '../store-observer';

/** An append waiting in the group committer's queue, or being committed. */
export interface QueuedAppend {
  aggregateId: string;
  aggregateType: string;
  events: NewEvent[];
  /** Approximate JSON size of the events. */
  bytes: number;
  expectedVersion: ExpectedVersion;
  ctx: WriteContext;
  deadline: number;
  notBefore: number;
  /** Transient failures met so far (for backoff). */
  failures: number;
  settled: boolean;
  /** Its client event ids were found in the store: only the protocol may judge it (no refutation without a round). */
  idsFound?: boolean;
  /** A round that claimed positions in its lease bulk did not settle it: it reads its head and ids (round 1) from now on. */
  readFirst?: boolean;
  /**
   * A round could not take it against a head handed over in this process (`HeadHandover`), which another instance may
   * have moved past since: its stream's head is read from Elasticsearch from now on, and only that read may refuse it.
   */
  readHead?: boolean;
  /**
   * Set for each round by the group committer: this process expects the round to answer it without writing anything
   * (appended as a new stream to a stream it knows exists; client event ids found stored, most likely an idempotent
   * retry), so no positions are allocated for it. A round that finds it must be written after all sends it round again
   * with `needsPositions`.
   */
  answerWithoutWrite?: boolean;
  /** A round found it must be written: it gets positions from now on (`answerWithoutWrite` is never set again). */
  needsPositions?: boolean;
  resolve(r: AppendResult): void;
  reject(e: unknown): void;
}

/** One append inside a batch, with the positions allocated to it and the head read for it. */
export interface Work {
  a: QueuedAppend;
  first: number;
  last: number;
  head?: Head;
  /** The head was handed over in this process, not read in this round: it may not refuse the append. */
  handed?: boolean;
  /** No positions were allocated to it (`QueuedAppend.answerWithoutWrite`): `first` and `last` mean nothing. */
  unpositioned?: boolean;
}

/** Decided: it will try to take the stream's lease and reserve its client event ids. */
export interface LockingWork extends Work {
  organizationId: string;
  envelopes: StoredEvent[];
  pending: Pending;
  /** Client-chosen event ids (lowercase) this append reserves. */
  reserve: string[];
}

/** Holds the stream's lease (the head's seq_no after the lease write) and its ids. */
export interface LockedWork extends LockingWork {
  lockSeqNo: number;
  lockPrimaryTerm: number;
}

/** The client event ids of a batch, sorted by what their documents say. */
export interface ReservedIds {
  /** Ids of committed events. */
  committed: Map<string, EventLocation>;
  /** Reservations of appends that did not commit: may be taken over with a compare-and-set. */
  stale: Map<string, { seqNo: number; primaryTerm: number }>;
  /** Reserved by appends not settled yet. */
  inFlight: Set<string>;
}

/** What the commit protocol asks of the group committer that runs it. */
export interface BatchHooks {
  /** Puts an unsettled append back in the queue, to be tried again after `delayMs`. */
  retryLater(a: QueuedAppend, delayMs: number, reason?: RetryReason): void;
  /**
   * The stream's head is being finalised by this round, which is over for it otherwise: the stream's next append in
   * this process may start, and takes the head this write leaves (null: it failed, read the head) instead of reading it.
   */
  handOver(aggregateId: string, head: Promise<Head | null>): void;
  /** The head a finalisation handed over for this stream, while it is in flight or not yet taken. */
  finalizedHead(aggregateId: string): Promise<Head | null> | undefined;
  /**
   * Offers a committed append's head, not finalised, to the stream's next queued append: true when a round took it at
   * once (that round's lease then finalises it, or the round finalises it if it does not take the lease).
   */
  offerHead(aggregateId: string, head: Head): boolean;
  /** The head offered to this stream, once (the round that takes it owes its finalisation). */
  takeOfferedHead(aggregateId: string): Head | undefined;
  /**
   * For a contended stream (another append of it was queued while one was in a round, recently), waits a short while
   * for its next append in this process: true once one is queued, false after the wait; null for other streams (no wait).
   */
  nextAppend(aggregateId: string): Promise<boolean> | null;
  /** Records the state a stream has reached, read from its head or committed by this process (versions only grow). */
  noteVersion(aggregateId: string, state: KnownStream): void;
}

/** What this process has seen of a stream: enough to refute a stale exact expected version without a round trip. */
export interface KnownStream {
  version: number;
  organizationId: string;
  aggregateType: string;
  /** Retention or deletion set on the stream: its visible version is not simply `version`. */
  lifecycle: boolean;
}

/** Test-only fault injection between protocol steps: a promise that never settles is a writer that died there. */
export interface ProtocolFaults {
  afterLock?(aggregateIds: string[]): Promise<void>;
  afterCommit?(aggregateIds: string[]): Promise<void>;
  /** Before the heads of acknowledged appends are finalised: a slow promise is a finalisation that hangs. */
  beforeFinalize?(aggregateIds: string[]): Promise<void>;
}

/** The head document's identity fields of a work item. */
export function streamOf(w: LockingWork): {
  aggregateId: string;
  aggregateType: string;
  organizationId: string;
  lifecycle?: StreamLifecycle;
} {
  return {
    aggregateId: w.a.aggregateId,
    aggregateType: w.a.aggregateType,
    organizationId: w.organizationId,
    lifecycle: w.head?.doc?.lifecycle,
  };
}
