import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { RequestContextStore, systemContext } from '@gyroscops/context';
import { type EventStore } from '@gyroscops/event-store';
import { ElasticsearchEventStore, dropIndices } from '@gyroscops/event-store/elasticsearch';
import type { Decider, DomainEvent } from './decider';
import { EventSourcedRepository, redecide } from './event-sourced-repository';

type Deposited = DomainEvent<'Deposited', { amount: number }>;
interface Deposit {
  amount: number;
}
const account: Decider<{ balance: number }, Deposit, Deposited> = {
  aggregateType: 'Account',
  initialState: () => ({ balance: 0 }),
  evolve: (s, e) => ({ balance: s.balance + e.data.amount }),
  decide: (c) => [{ type: 'Deposited', data: { amount: c.amount } }],
};

/**
 * A slow instance: from its first append on, its next read of stream heads waits for `gate` (with the event ids read in
 * the same request, or alone when the ids are read on their own), so another instance can run the whole command in
 * between.
 */
function slowInstance(client: Client, prefix: string, gate: Promise<void>): { store: EventStore; armed: () => boolean } {
  let state: 'idle' | 'armed' | 'done' = 'idle';
  const wrapped = new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== 'mget' || typeof value !== 'function') return value;
      return async (params: { index?: string; docs?: { _index: string }[] }, opts?: unknown) => {
        const readsHeads = params.index === `${prefix}-streams` || !!params.docs?.some((d) => d._index === `${prefix}-streams`);
        if (state === 'armed' && readsHeads) {
          state = 'done';
          await gate;
        }
        return (value as (p: unknown, o?: unknown) => Promise<unknown>).call(target, params, opts);
      };
    },
  });
  const store = new ElasticsearchEventStore({ client: wrapped, indexPrefix: prefix, leaseMs: 1000, gapTimeoutMs: 1000 });
  const proxied = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (prop !== 'appendToStream') return (value as (...a: unknown[]) => unknown).bind(target);
      return (...args: unknown[]) => {
        if (state === 'idle') state = 'armed';
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
  return { store: proxied, armed: () => state === 'done' };
}

describe('EventSourcedRepository on Elasticsearch, two instances', () => {
  const node = process.env.ES_NODE as string;
  const prefix = `test-repo-${randomBytes(4).toString('hex')}`;
  const clients = [new Client({ node }), new Client({ node })];
  let store: ElasticsearchEventStore;
  let release!: () => void;
  const slow = slowInstance(clients[1], prefix, new Promise<void>((r) => (release = r)));

  beforeAll(async () => {
    store = new ElasticsearchEventStore({ client: clients[0], indexPrefix: prefix, leaseMs: 1000, gapTimeoutMs: 1000 });
    await store.setup();
    await (slow.store as ElasticsearchEventStore).setup();
  });
  afterAll(async () => {
    release();
    await Promise.all([store.close(), (slow.store as ElasticsearchEventStore).close()]);
    await dropIndices(clients[0], prefix);
    await Promise.all(clients.map((c) => c.close()));
  });

  describe('when the same command id runs on two instances (a retried Idempotency-Key, a redelivered saga)', () => {
    it('applies it once, and both calls answer success', async () => {
      const id = `acc-${randomUUID()}`;
      const ctx = systemContext('test', 'org-a');
      const first = new EventSourcedRepository(store, account);
      await RequestContextStore.run(ctx, () => first.execute(id, { amount: 10 }, { commandId: randomUUID(), conflict: redecide() }));

      const second = new EventSourcedRepository(slow.store, account);
      const commandId = randomUUID();
      // The slow instance has checked for an earlier run, decided and started its append; its head read waits while
      // the other instance runs the whole command.
      const onSlow = RequestContextStore.run(ctx, () => second.execute(id, { amount: 100 }, { commandId, conflict: redecide() }));
      for (let i = 0; i < 200 && !slow.armed(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(slow.armed()).toBe(true);
      const onFast = await RequestContextStore.run(ctx, () => first.execute(id, { amount: 100 }, { commandId, conflict: redecide() }));
      // Let the fast instance finish its append completely (head finalised) before the slow head read answers.
      for (let i = 0; i < 200; i++) {
        const head = await clients[0].get<{ pending: unknown }>({ index: `${prefix}-streams`, id });
        if (head._source?.pending === null) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      release();
      const slowResult = await onSlow;

      const loaded = await RequestContextStore.run(ctx, () => first.load(id));
      expect(loaded.state.balance).toBe(110);
      expect(loaded.version).toBe(2);
      // Both answer with the one stored event (the slow one through the store's idempotent path or a replay).
      expect(onFast.replayed).toBe(false);
      expect(slowResult.result?.events.map((e) => [e.eventId, e.version, e.position])).toEqual(
        onFast.result?.events.map((e) => [e.eventId, e.version, e.position]),
      );
    });
  });
});
