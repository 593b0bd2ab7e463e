import { initialState, normalizeState, type ConsumerStateDoc } from './consumer-state';
import { Lease } from './lease';
import type { StateStore, VersionedState } from './state-store';

/**
 * A state store kept in memory whose next compare-and-set can be applied and its answer then lost (a timeout or a
 * 503 after Elasticsearch wrote the document), as the harness's faulty clients do.
 */
class MemoryStateStore {
  state: VersionedState | null = null;
  loseNextAnswer = false;
  private seqNo = 0;

  async get(): Promise<VersionedState | null> {
    return this.state ? { ...this.state, doc: normalizeState(JSON.parse(JSON.stringify(this.state.doc)) as ConsumerStateDoc) } : null;
  }

  async create(_id: string, doc: ConsumerStateDoc): Promise<VersionedState | null> {
    if (this.state) return null;
    this.state = { doc: structuredClone(doc), seqNo: this.seqNo++, primaryTerm: 1 };
    return this.state;
  }

  async replace(_id: string, doc: ConsumerStateDoc, seqNo: number): Promise<VersionedState | null> {
    if (!this.state || this.state.seqNo !== seqNo) return null;
    this.state = { doc: structuredClone(doc), seqNo: this.seqNo++, primaryTerm: 1 };
    if (this.loseNextAnswer) {
      this.loseNextAnswer = false;
      throw Object.assign(new Error('Request timed out'), { name: 'TimeoutError' });
    }
    return this.state;
  }
}

describe('Lease', () => {
  const timings = { leaseMs: 10_000, safetyMarginMs: 1_000 };
  const acquired = async (store: MemoryStateStore) => {
    const lease = new Lease(store as unknown as StateStore, 'saga-x', 'runner-a', timings, async () => initialState('saga', 'x', 1));
    expect(
      await lease.tryAcquire(
        () => true,
        (d) => d,
      ),
    ).toBe(true);
    return lease;
  };

  describe('when a checkpoint write was applied but its answer was lost', () => {
    it('recognises its own document and goes on from it, instead of failing the write (a saga would handle the batch again)', async () => {
      const store = new MemoryStateStore();
      const lease = await acquired(store);
      store.loseNextAnswer = true;
      const written = await lease.update((d) => ({ ...d, checkpoint: 42 }));
      expect(written.checkpoint).toBe(42);
      expect(lease.doc.checkpoint).toBe(42);
      // The next write's compare-and-set is on the seq_no the lost write produced.
      await lease.update((d) => ({ ...d, checkpoint: 43 }));
      expect(store.state?.doc.checkpoint).toBe(43);
    });
  });

  describe('when a write was not applied and its answer is an error', () => {
    it('fails the write, and the document is as before', async () => {
      const store = new MemoryStateStore();
      const lease = await acquired(store);
      const failing = Object.assign(store, {
        replace: async () => {
          throw Object.assign(new Error('connection refused'), { name: 'ConnectionError' });
        },
      });
      await expect(lease.update((d) => ({ ...d, checkpoint: 42 }))).rejects.toThrow('connection refused');
      expect(failing.state?.doc.checkpoint).toBe(0);
      expect(lease.doc.checkpoint).toBe(0);
    });
  });
});
