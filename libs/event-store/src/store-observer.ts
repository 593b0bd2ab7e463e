/**
 * What the Elasticsearch adapter reports about its own work, for metrics (the service turns these calls into
 * Prometheus series). Every method is optional; the default observer does nothing. Calls are synchronous and must be
 * cheap; an observer that throws is ignored (`safeObserver`), so observing never changes what the store does.
 */
export interface StoreObserver {
  /** An append left the store: how it ended, its event count, and how long it took from enqueue (ms). */
  appendSettled?(outcome: AppendOutcome, events: number, durationMs: number): void;
  /** The group committer handed a batch to the commit protocol. */
  batchStarted?(appends: number, events: number): void;
  /** One round trip of the commit protocol (or of a reader), timed; `ok` is false when it threw. */
  roundTrip?(step: StoreStep, durationMs: number, ok: boolean): void;
  /** Lost a compare-and-set: on the position counter, or on a stream's lease or an event-id reservation (`lock`). */
  conflict?(on: 'counter' | 'lock'): void;
  /** An append went back to the queue to be tried again. */
  retry?(reason: RetryReason): void;
  /** Tombstones that landed, by a bounded reason (`gap timeout`: a reader fenced a writer that did not commit in time). */
  tombstones?(reason: string, ranges: number): void;
  /** A lease nobody came back to was settled: its commit rolled forward, or its position fenced. */
  leaseTakeover?(outcome: 'rolled-forward' | 'fenced'): void;
}

export type AppendOutcome =
  'acknowledged' | 'wrong-expected-version' | 'duplicate-event' | 'invalid' | 'unavailable' | 'outcome-unknown' | 'other-error';

/** The protocol's round trips (README "Appending") and the global log reader's. */
export type StoreStep =
  'read-heads' | 'read-event-ids' | 'allocate-positions' | 'lock' | 'commit' | 'settle-commit' | 'derive' | 'finalize' | 'read-log';

export type RetryReason =
  | 'transient'
  | 'lock-conflict'
  | 'pending-lease'
  | 'event-id-in-flight'
  | 'positions-behind-stream'
  | 'event-id-taken'
  | 'commit-fenced'
  | 'counter-conflict'
  | 'head-recheck'
  | 'positions-needed';

/** How an append's promise settled, from the error it was refused with. */
export function appendOutcomeOf(error: unknown): AppendOutcome {
  switch ((error as { code?: unknown } | null)?.code) {
    case 'WrongExpectedVersion':
      return 'wrong-expected-version';
    case 'DuplicateEvent':
      return 'duplicate-event';
    case 'InvalidEvent':
      return 'invalid';
    case 'EventStoreUnavailable':
      return 'unavailable';
    case 'AppendOutcomeUnknown':
      return 'outcome-unknown';
    default:
      return 'other-error';
  }
}

export const NO_OBSERVER: StoreObserver = Object.freeze({});

/** Wraps an observer so that a throwing method is ignored: observing must never change what the store does. */
export function safeObserver(observer: StoreObserver | undefined): StoreObserver {
  if (!observer) return NO_OBSERVER;
  const safe: Record<string, unknown> = {};
  for (const key of ['appendSettled', 'batchStarted', 'roundTrip', 'conflict', 'retry', 'tombstones', 'leaseTakeover'] as const) {
    const method = observer[key] as ((...args: unknown[]) => void) | undefined;
    if (typeof method !== 'function') continue;
    safe[key] = (...args: unknown[]) => {
      try {
        method.apply(observer, args);
      } catch {
        // ignored on purpose
      }
    };
  }
  return safe as StoreObserver;
}

/** Times one round trip: resolves or rejects exactly like `work`, reporting its duration to the observer. */
export function timed<T>(observer: StoreObserver, step: StoreStep, work: Promise<T>): Promise<T> {
  if (!observer.roundTrip) return work;
  const started = performance.now();
  return work.then(
    (value) => {
      observer.roundTrip?.(step, performance.now() - started, true);
      return value;
    },
    (error: unknown) => {
      observer.roundTrip?.(step, performance.now() - started, false);
      throw error;
    },
  );
}
