import { performance } from 'node:perf_hooks';
import { normalizeState, withSummary, type ConsumerStateDoc } from './consumer-state';
import { LeaseLostError } from './projection.errors';
import type { StateStore, VersionedState } from './state-store';
import type { ProjectionTimings } from './timings';

/**
 * One consumer's lease on its state document. Taking it over and every later write are compare-and-set on
 * the document's seq_no, and each write renews it: a holder that loses a compare-and-set to another
 * owner (or epoch) learns it has been replaced and must stop at once. Writes by non-holders that only
 * touch other fields (rebuild requests) are merged instead.
 */
export class Lease {
  private held: VersionedState | null = null;
  /** performance.now() after which this holder no longer trusts its lease, renewed or not. */
  private validUntil = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private dead = false;
  private lastWriteAt = 0;

  constructor(
    private readonly store: StateStore,
    readonly id: string,
    readonly owner: string,
    private readonly timings: Pick<ProjectionTimings, 'leaseMs' | 'safetyMarginMs'>,
    private readonly initial: () => Promise<ConsumerStateDoc>,
  ) {}

  isHeld(): boolean {
    return !this.dead && this.held !== null && performance.now() < this.validUntil;
  }

  /** The document as last written by this holder. */
  get doc(): ConsumerStateDoc {
    if (!this.held || !this.isHeld()) throw new LeaseLostError(this.id);
    return this.held.doc;
  }

  /** Milliseconds since this holder last wrote the document (and so renewed the lease). */
  sinceLastWrite(): number {
    return performance.now() - this.lastWriteAt;
  }

  /**
   * Takes the lease when it is free, expired, or already ours. `mayTake` can refuse (e.g. a newer version
   * of the code owns the projection); `onTake` adjusts the document in the same write.
   */
  async tryAcquire(mayTake: (doc: ConsumerStateDoc) => boolean, onTake: (doc: ConsumerStateDoc) => ConsumerStateDoc): Promise<boolean> {
    if (this.dead) return false;
    let current = await this.store.get(this.id);
    if (!current) {
      const fresh = await this.initial();
      if (!mayTake(fresh)) return false;
      const sentAt = performance.now();
      const created = await this.store.create(this.id, this.taken(onTake(fresh), fresh.epoch));
      if (created) return this.hold(created, sentAt);
      current = await this.store.get(this.id);
      if (!current) return false;
    }
    const doc = current.doc;
    if (doc.owner && doc.owner !== this.owner && doc.leaseExpiresAt > Date.now()) return false;
    if (!mayTake(doc)) return false;
    const sentAt = performance.now();
    const next = this.taken(onTake(structuredClone(doc)), doc.epoch);
    const replaced = await this.store.replace(this.id, next, current.seqNo, current.primaryTerm);
    return replaced ? this.hold(replaced, sentAt) : false;
  }

  private taken(doc: ConsumerStateDoc, previousEpoch: number): ConsumerStateDoc {
    return withSummary({ ...doc, owner: this.owner, epoch: previousEpoch + 1, leaseExpiresAt: Date.now() + this.timings.leaseMs });
  }

  private hold(state: VersionedState, sentAt: number): boolean {
    if (this.dead) return false;
    this.held = state;
    this.validUntil = sentAt + this.timings.leaseMs - this.timings.safetyMarginMs;
    this.lastWriteAt = sentAt;
    return true;
  }

  /** Changes the document and renews the lease in one compare-and-set. Serialised; throws LeaseLostError. */
  update(change: (doc: ConsumerStateDoc) => ConsumerStateDoc): Promise<ConsumerStateDoc> {
    const run = this.chain.then(() => this.write(change, false));
    this.chain = run.catch(() => undefined);
    return run;
  }

  renew(): Promise<ConsumerStateDoc> {
    return this.update((d) => d);
  }

  /** Re-reads the document to see changes made by non-holders (a rebuild request) before the next write. */
  refresh(): Promise<void> {
    const run = this.chain.then(async () => {
      const base = this.held;
      if (!base || !this.isHeld()) return;
      const fresh = await this.store.get(this.id);
      if (this.held !== base) return;
      if (!fresh || fresh.doc.owner !== this.owner || fresh.doc.epoch !== base.doc.epoch) this.held = null;
      else this.held = fresh;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Gives the lease up so another instance takes over without waiting for it to expire. Best effort. */
  async release(change: (doc: ConsumerStateDoc) => ConsumerStateDoc = (d) => d): Promise<void> {
    if (!this.held || this.dead) return;
    const run = this.chain.then(() => this.write(change, true));
    this.chain = run.catch(() => undefined);
    await run.catch(() => undefined);
    this.held = null;
  }

  /** Forgets the lease without writing anything: the process "died" (tests) or was told to stop at once. */
  abandon(): void {
    this.dead = true;
    this.held = null;
  }

  /** Forgets the lease locally (it was lost or expired); the next tryAcquire may take it again. */
  drop(): void {
    this.held = null;
  }

  /**
   * A compare-and-set without a clear answer (a timeout, a connection reset, a 5xx after Elasticsearch applied it) may
   * have been written: the document is read back, and when it is exactly the one sent, at a later seq_no, the write is
   * taken as done (a saga would otherwise handle the events of its checkpoint again). Anything else rethrows `error`.
   */
  private async landed(sent: ConsumerStateDoc, base: VersionedState, error: unknown): Promise<VersionedState> {
    const now = await this.store.get(this.id).catch(() => null);
    const same = (a: ConsumerStateDoc, b: ConsumerStateDoc) => JSON.stringify(normalizeState(a)) === JSON.stringify(normalizeState(b));
    if (now && now.seqNo > base.seqNo && same(now.doc, JSON.parse(JSON.stringify(sent)) as ConsumerStateDoc)) return now;
    throw error;
  }

  private async write(change: (doc: ConsumerStateDoc) => ConsumerStateDoc, releasing: boolean): Promise<ConsumerStateDoc> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const base = this.held;
      if (!base || !this.isHeld()) {
        this.held = null;
        throw new LeaseLostError(this.id);
      }
      const sentAt = performance.now();
      const next = withSummary({
        ...change(structuredClone(base.doc)),
        owner: releasing ? null : this.owner,
        epoch: base.doc.epoch,
        leaseExpiresAt: releasing ? 0 : Date.now() + this.timings.leaseMs,
      });
      const written = await this.store
        .replace(this.id, next, base.seqNo, base.primaryTerm)
        .catch((e: unknown) => this.landed(next, base, e));
      if (this.dead) throw new LeaseLostError(this.id);
      if (written) {
        this.hold(written, sentAt);
        return written.doc;
      }
      const fresh = await this.store.get(this.id);
      if (!fresh || fresh.doc.owner !== this.owner || fresh.doc.epoch !== base.doc.epoch) {
        this.held = null;
        throw new LeaseLostError(this.id);
      }
      // Someone who does not hold the lease changed another field (a rebuild request): apply ours on top.
      this.held = fresh;
    }
    throw new LeaseLostError(this.id);
  }
}
