import type { estypes } from '@elastic/elasticsearch';
import { EventStoreUnavailableError } from '../event-store.errors';
import { sleep, type EsContext } from './es-context';
import { statusOf } from './es-errors';

/**
 * Global positions: a counter document (`<prefix>-meta/position`) moved from `n` to `n + k` by compare-and-set,
 * giving the exclusive range `n+1..n+k`. The last value this process wrote is cached, so its own allocations need
 * one round trip; another instance's write makes the next one re-read. With the value cached, the compare-and-set can
 * also travel inside another bulk (`claimInline`): the commit protocol sends it with the leases it takes.
 */
export class PositionAllocator {
  private counter: { value: number; seqNo: number; primaryTerm: number } | null = null;
  private allocation: Promise<unknown> = Promise.resolve();

  constructor(private readonly ctx: EsContext) {}

  async allocate(count: number): Promise<number> {
    // Serialised within the process so our own batches never contend on the counter.
    const run = this.allocation.then(() => this.allocateNow(count));
    this.allocation = run.catch(() => undefined);
    return run;
  }

  /**
   * Claims `count` positions from the cached counter without a round trip of their own: `send` gets the first one and
   * the compare-and-set to put in its bulk, and returns that item's answer. Serialised with `allocate`. Returns null
   * (nothing sent) when no value is cached; `refused` when the item did not apply (another writer moved the counter,
   * or the item failed): the positions are not this writer's. A `send` that throws leaves the outcome unknown.
   */
  async claimInline(
    count: number,
    send: (first: number, op: estypes.BulkOperationContainer, doc: { value: number }) => Promise<estypes.BulkResponseItem | undefined>,
  ): Promise<'confirmed' | 'refused' | null> {
    const run = this.allocation.then(async () => {
      const c = this.counter;
      if (!c) return null;
      let item: estypes.BulkResponseItem | undefined;
      try {
        item = await send(
          c.value + 1,
          { index: { _index: this.ctx.names.meta, _id: 'position', if_seq_no: c.seqNo, if_primary_term: c.primaryTerm } },
          { value: c.value + count },
        );
      } catch (e) {
        this.counter = null;
        throw e;
      }
      if (item && item.status >= 200 && item.status < 300 && typeof item._seq_no === 'number' && typeof item._primary_term === 'number') {
        this.counter = { value: c.value + count, seqNo: item._seq_no, primaryTerm: item._primary_term };
        return 'confirmed' as const;
      }
      this.counter = null;
      if (item?.status === 409) this.ctx.observer.conflict?.('counter');
      return 'refused' as const;
    });
    this.allocation = run.catch(() => undefined);
    return run;
  }

  private async allocateNow(count: number): Promise<number> {
    for (let attempt = 0; attempt < 50; attempt++) {
      if (!this.counter) {
        const r = await this.ctx.client.get<{ value: number }>({ index: this.ctx.names.meta, id: 'position' });
        this.counter = { value: r._source?.value ?? 0, seqNo: r._seq_no as number, primaryTerm: r._primary_term as number };
      }
      const c = this.counter;
      try {
        const r = await this.ctx.client.index({
          index: this.ctx.names.meta,
          id: 'position',
          if_seq_no: c.seqNo,
          if_primary_term: c.primaryTerm,
          document: { value: c.value + count },
        });
        this.counter = { value: c.value + count, seqNo: r._seq_no as number, primaryTerm: r._primary_term as number };
        return c.value + 1;
      } catch (e) {
        this.counter = null;
        if (statusOf(e) !== 409) throw e;
        this.ctx.observer.conflict?.('counter');
        await sleep(Math.random() * 3 * Math.min(attempt + 1, 10));
      }
    }
    throw new EventStoreUnavailableError('could not allocate global positions (too much contention)');
  }
}
