import type { AppendOptions, AppendResult, NewEvent } from '../event-store.port';
import { EventStoreUnavailableError, WrongExpectedVersionError } from '../event-store.errors';
import { sleep } from './es-context';
import { NO_OBSERVER, appendOutcomeOf, type RetryReason, type StoreObserver } from '../store-observer';
import type { BatchHooks, QueuedAppend } from './es-commit-types';
import { isTransient, translate } from './es-errors';

export interface BatchLimits {
  /** Upper bound for one append, queueing and retries included. */
  appendTimeoutMs: number;
  maxBatchAppends: number;
  maxBatchEvents: number;
  /** Payload bytes of one batch (an append larger than this goes alone). */
  maxBatchBytes: number;
  maxConcurrentBatches: number;
}

/** Runs one batch of appends to distinct streams; `releaseSlot` frees its slot early (at the acknowledgement). */
export type BatchRunner = (batch: QueuedAppend[], releaseSlot: () => void) => Promise<void>;

/**
 * Group commit: queues appends and hands them to the commit protocol in batches of distinct streams (bounded in
 * appends, events and bytes), a few batches in flight. A stream is in at most one batch at a time and stays busy until
 * its head is finalised. Transient failures are retried with backoff until the append's deadline.
 */
export class GroupCommitter implements BatchHooks {
  private readonly queue: QueuedAppend[] = [];
  private readonly busyStreams = new Set<string>();
  /** Versions this process has seen streams reach (bounded, most recent last): they only ever grow. */
  private readonly knownVersions = new Map<string, number>();
  private runningBatches = 0;
  /** Rounds not finished yet, finalisation after the acknowledgement included. */
  private activeRounds = 0;
  private pumpTimer: NodeJS.Timeout | null = null;
  private runBatch: BatchRunner = () => Promise.reject(new Error('no batch runner attached'));

  constructor(
    private readonly limits: BatchLimits,
    private readonly observer: StoreObserver = NO_OBSERVER,
  ) {}

  /** Attaches the protocol that commits batches (it calls back `retryLater` and `noteVersion`). */
  attach(runBatch: BatchRunner): void {
    this.runBatch = runBatch;
  }

  /** Queues a validated append; settles when it is acknowledged or refused. */
  enqueue(aggregateId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      const enqueuedAt = Date.now();
      const queued: QueuedAppend = {
        aggregateId,
        aggregateType: options.aggregateType,
        events,
        bytes: Buffer.byteLength(JSON.stringify(events)),
        expectedVersion: options.expectedVersion,
        ctx: options.context,
        deadline: Date.now() + this.limits.appendTimeoutMs,
        notBefore: 0,
        failures: 0,
        settled: false,
        resolve: (r) => {
          if (!queued.settled) this.observer.appendSettled?.('acknowledged', events.length, Date.now() - enqueuedAt);
          queued.settled = true;
          resolve(r);
        },
        reject: (e) => {
          if (!queued.settled) this.observer.appendSettled?.(appendOutcomeOf(e), events.length, Date.now() - enqueuedAt);
          queued.settled = true;
          reject(e);
        },
      };
      this.queue.push(queued);
      this.pump();
    });
  }

  /** True while this process is committing to the stream (a lease it holds is not abandoned). */
  isBusy(aggregateId: string): boolean {
    return this.busyStreams.has(aggregateId);
  }

  /** Waits (up to `timeoutMs`) for queued appends and rounds in flight to finish, then stops the pump timer. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.queue.length > 0 || this.activeRounds > 0) && Date.now() < deadline) await sleep(10);
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
  }

  private pump(): void {
    while (this.runningBatches < this.limits.maxConcurrentBatches) {
      const now = Date.now();
      const batch: QueuedAppend[] = [];
      const inBatch = new Set<string>();
      let events = 0;
      let bytes = 0;
      let earliestWait = Infinity;
      for (let i = 0; i < this.queue.length && batch.length < this.limits.maxBatchAppends;) {
        const a = this.queue[i];
        if (now > a.deadline) {
          this.queue.splice(i, 1);
          a.reject(new EventStoreUnavailableError(`append to ${a.aggregateId} timed out before it could commit`));
          continue;
        }
        const stale = this.staleAgainstKnown(a);
        if (stale !== null) {
          // The stream is already past the expected version: refuse without a round trip (a hot stream's losers).
          this.queue.splice(i, 1);
          a.reject(new WrongExpectedVersionError(a.aggregateId, a.expectedVersion, stale));
          continue;
        }
        const eligible =
          a.notBefore <= now &&
          !this.busyStreams.has(a.aggregateId) &&
          !inBatch.has(a.aggregateId) &&
          (batch.length === 0 || (events + a.events.length <= this.limits.maxBatchEvents && bytes + a.bytes <= this.limits.maxBatchBytes));
        if (!eligible) {
          if (a.notBefore > now) earliestWait = Math.min(earliestWait, a.notBefore - now);
          i++;
          continue;
        }
        this.queue.splice(i, 1);
        batch.push(a);
        inBatch.add(a.aggregateId);
        events += a.events.length;
        bytes += a.bytes;
      }
      if (batch.length === 0) {
        if (earliestWait !== Infinity && !this.pumpTimer) {
          this.pumpTimer = setTimeout(() => {
            this.pumpTimer = null;
            this.pump();
          }, earliestWait);
        }
        return;
      }
      for (const id of inBatch) this.busyStreams.add(id);
      this.observer.batchStarted?.(batch.length, events);
      this.runningBatches++;
      this.activeRounds++;
      // The batch slot is freed at the acknowledgement (the next batch may start); its streams stay busy until
      // their heads are finalised.
      let slotHeld = true;
      const releaseSlot = () => {
        if (!slotHeld) return;
        slotHeld = false;
        this.runningBatches--;
        this.pump();
      };
      this.runBatch(batch, releaseSlot)
        .catch((e: unknown) => {
          // Nothing of an unsettled append was acknowledged; the protocol tolerates whatever half-done state the
          // failed round left (leases expire, positions get fenced), so transient failures are retried until the deadline.
          for (const a of batch) {
            if (a.settled || this.queue.includes(a)) continue;
            const backoff = Math.min(2000, 50 * 2 ** a.failures++);
            if (isTransient(e) && Date.now() + backoff < a.deadline) this.retryLater(a, backoff);
            else a.reject(translate(e, 'append'));
          }
        })
        .finally(() => {
          this.activeRounds--;
          for (const id of inBatch) this.busyStreams.delete(id);
          releaseSlot();
          this.pump();
        });
    }
  }

  noteVersion(aggregateId: string, version: number): void {
    if ((this.knownVersions.get(aggregateId) ?? -1) >= version) return;
    this.knownVersions.delete(aggregateId);
    this.knownVersions.set(aggregateId, version);
    if (this.knownVersions.size > 10_000) this.knownVersions.delete(this.knownVersions.keys().next().value as string);
  }

  /** The known version when it already refutes the append's exact expected version; null when a round trip must decide. */
  private staleAgainstKnown(a: QueuedAppend): number | null {
    // Only exact versions: `no_stream` may also succeed on a soft-deleted stream, whatever its last version.
    const expected = a.expectedVersion;
    if (typeof expected !== 'number') return null;
    // Client event ids may make it an idempotent retry of what made the stream move: let the protocol judge.
    if (a.events.some((e) => e.eventId !== undefined)) return null;
    const known = this.knownVersions.get(a.aggregateId);
    return known !== undefined && known > expected ? known : null;
  }

  retryLater(a: QueuedAppend, delayMs: number, reason: RetryReason = 'transient'): void {
    this.observer.retry?.(reason);
    a.notBefore = Date.now() + delayMs + Math.floor(Math.random() * delayMs);
    this.queue.unshift(a);
  }
}
