import { randomUUID } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import type { ElasticsearchEventStore } from '@gyroscops/event-store/elasticsearch';
import { ProjectionEngine, readModelAlias, type ProjectionDefinition } from '@gyroscops/projections';
import type { BulkSender } from './read-model-index';
import {
  accountsProjection,
  dropAll,
  eventually,
  ev,
  expectedReadModel,
  makeEngine,
  makeStore,
  readModelSnapshot,
  seedAccounts,
  testClient,
  testPrefix,
  writer,
  type Account,
} from '../testing/projections-test-support';

const orgA = { organizationId: 'org-a', isAdmin: false };
const orgB = { organizationId: 'org-b', isAdmin: false };
const never = () => new Promise<never>(() => undefined);

describe('projection runner on Elasticsearch', () => {
  let client: Client;
  let prefix: string;
  let store: ElasticsearchEventStore;
  const engines: ProjectionEngine[] = [];
  const clients: Client[] = [];
  const engine = (extra: Parameters<typeof makeEngine>[3] = {}, def: ProjectionDefinition<Account> = accountsProjection()) => {
    const c = testClient();
    clients.push(c);
    const e = makeEngine(c, store, prefix, extra);
    e.register(def);
    engines.push(e);
    return e;
  };

  beforeEach(async () => {
    client = testClient();
    prefix = testPrefix('projections');
    store = await makeStore(client, prefix);
  });

  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.stop()));
    await store.close();
    await dropAll(client, prefix);
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await client.close();
  });

  describe('when events are appended', () => {
    it('applies them to the read model, and a read after waitForPosition sees its own write', async () => {
      const e = engine();
      e.start();
      const id = `acc-${randomUUID()}`;
      await store.appendToStream(id, [ev('AccountOpened', { owner: 'ann' })], {
        aggregateType: 'Account',
        expectedVersion: 'no_stream',
        context: writer(),
      });
      const r = await store.appendToStream(id, [ev('MoneyDeposited', { amount: 5 })], {
        aggregateType: 'Account',
        expectedVersion: 1,
        context: writer(),
      });
      e.notify(r.position);
      expect(await e.readModels.findById<Account>('accounts', id, { minPosition: r.position, timeoutMs: 20000, scope: orgA })).toEqual({
        accountId: id,
        owner: 'ann',
        balance: 5,
        deposits: 1,
        organizationId: 'org-a',
      });
      const page = await e.readModels.search<Account>(
        'accounts',
        { filter: { owner: 'ann' } },
        { minPosition: r.position, timeoutMs: 20000, scope: orgA },
      );
      expect(page.items.map((a) => a.accountId)).toEqual([id]);
    });

    it('hides documents from other organizations and deleted documents', async () => {
      const e = engine();
      e.start();
      const id = `acc-${randomUUID()}`;
      const opened = await store.appendToStream(id, [ev('AccountOpened', { owner: 'bob' })], {
        aggregateType: 'Account',
        expectedVersion: 'no_stream',
        context: writer(),
      });
      expect(await e.readModels.findById('accounts', id, { minPosition: opened.position, timeoutMs: 20000, scope: orgB })).toBeNull();
      expect((await e.readModels.search('accounts', {}, { minPosition: opened.position, timeoutMs: 20000, scope: orgB })).total).toBe(0);
      expect(await e.readModels.findById('accounts', id, { scope: { organizationId: 'ops', isAdmin: true } })).not.toBeNull();
      const closed = await store.appendToStream(id, [ev('AccountClosed')], {
        aggregateType: 'Account',
        expectedVersion: 1,
        context: writer(),
      });
      expect(await e.readModels.findById('accounts', id, { minPosition: closed.position, timeoutMs: 20000, scope: orgA })).toBeNull();
      expect((await e.readModels.search('accounts', {}, { minPosition: closed.position, timeoutMs: 20000, scope: orgA })).total).toBe(0);
      await expect(e.readModels.search('accounts', { from: 9990, size: 20 }, { scope: orgA })).rejects.toMatchObject({
        code: 'PROJECTION.INVALID_QUERY',
        httpStatus: 400,
      });
    });

    it('reports position, head, lag and state', async () => {
      const e = engine();
      e.start();
      const last = await seedAccounts(store, ['s-1', 's-2'], 2);
      await e.waitForPosition('accounts', last, 20000);
      const [status] = await e.status();
      expect(status).toMatchObject({
        name: 'accounts',
        kind: 'projection',
        version: 1,
        state: 'running',
        lastError: null,
        owner: e.instanceId,
      });
      expect(status.position).toBeGreaterThanOrEqual(last);
      expect(status.lag).toBe(status.headPosition - status.position);
    });
  });

  describe('when no runner makes progress', () => {
    it('gives up waiting with PROJECTION.STALE (504)', async () => {
      const e = engine();
      const last = await seedAccounts(store, ['w-1'], 1);
      await expect(e.waitForPosition('accounts', last, 300)).rejects.toMatchObject({ code: 'PROJECTION.STALE', httpStatus: 504 });
      await expect(e.readModels.findById('accounts', 'w-1', { minPosition: last, timeoutMs: 200, scope: orgA })).rejects.toMatchObject({
        code: 'PROJECTION.STALE',
      });
    });
  });

  describe.each([
    ['in the middle of its bulk write', 'bulk'],
    ['between its writes and its checkpoint', 'checkpoint'],
  ])('when a runner dies %s', (_label, where) => {
    it('a new runner takes over and the read model equals a clean rebuild', async () => {
      const ids = Array.from({ length: 40 }, (_, i) => `acc-${i}-${randomUUID().slice(0, 8)}`);
      const last = await seedAccounts(store, ids, 5);
      let victim: ProjectionEngine | null = null;
      let died = false;
      const dieHalfWay: BulkSender = async (c, operations, index) => {
        const ops = operations ?? [];
        // Send the first half of the documents (pairs of action + source), then die.
        const half = Math.floor(ops.length / 4) * 2;
        await c.bulk({ operations: ops.slice(0, half) });
        died = true;
        victim?.kill();
        void index;
        return never();
      };
      victim = engine({
        timings: { batchSize: 120 },
        faults:
          where === 'bulk'
            ? { bulk: dieHalfWay }
            : {
                beforeCheckpoint: async () => {
                  died = true;
                  victim?.kill();
                  return never();
                },
              },
      });
      victim.start();
      await eventually(() => died, 20000, 'the first runner to die');

      const survivor = engine({ timings: { batchSize: 120 } });
      survivor.start();
      await survivor.waitForPosition('accounts', last, 20000);
      const incremental = await readModelSnapshot(client, readModelAlias(prefix, 'accounts'));
      expect(incremental).toEqual(await expectedReadModel(store, accountsProjection()));

      await survivor.rebuild('accounts');
      const rebuilt = await readModelSnapshot(client, readModelAlias(prefix, 'accounts'));
      expect(rebuilt).toEqual(incremental);
    });
  });

  describe('when a projection keeps failing on one event', () => {
    const poisoned = accountsProjection({
      eventTypes: ['AccountOpened', 'MoneyDeposited', 'AccountClosed', 'Poison'],
      evolve: (doc, e) => {
        if (e.eventType === 'Poison') throw new Error('cannot digest Poison');
        return accountsProjection().evolve(doc, e);
      },
    });

    it('stops on it with state failed, its position and error, and applies nothing after it', async () => {
      const e = engine({}, poisoned);
      e.start();
      await seedAccounts(store, ['p-1'], 1);
      const poison = await store.appendToStream('p-1', [ev('Poison')], {
        aggregateType: 'Account',
        expectedVersion: 'any',
        context: writer(),
      });
      const after = await store.appendToStream('p-1', [ev('MoneyDeposited', { amount: 100 })], {
        aggregateType: 'Account',
        expectedVersion: 'any',
        context: writer(),
      });

      const status = await eventually(async () => (await e.status()).find((s) => s.state === 'failed'), 20000, 'the projection to fail');
      expect(status).toMatchObject({
        state: 'failed',
        failedPosition: poison.position,
        position: poison.position - 1,
        lastError: 'cannot digest Poison',
      });
      await expect(e.waitForPosition('accounts', poison.position - 1, 1000)).resolves.toBeUndefined();
      await expect(e.waitForPosition('accounts', after.position, 1000)).rejects.toMatchObject({ code: 'PROJECTION.FAILED' });
      expect(await e.readModels.findById<Account>('accounts', 'p-1', { scope: orgA })).toMatchObject({ balance: 1 });

      // The fix is deployed: the next instance to hold the lease retries the event and goes on.
      await e.stop();
      const fixed = engine(
        {},
        accountsProjection({
          eventTypes: ['AccountOpened', 'MoneyDeposited', 'AccountClosed', 'Poison'],
          evolve: (doc, ev2) => (ev2.eventType === 'Poison' ? doc : accountsProjection().evolve(doc, ev2)),
        }),
      );
      fixed.start();
      await fixed.waitForPosition('accounts', after.position, 20000);
      expect(await fixed.readModels.findById<Account>('accounts', 'p-1', { scope: orgA })).toMatchObject({ balance: 101 });
      expect((await fixed.status())[0]).toMatchObject({ state: 'running', lastError: null, failedPosition: null });
    });

    it('when the failing event sits inside a multi-event append, the fixed projection applies the rest of that append', async () => {
      const e = engine({}, poisoned);
      e.start();
      const id = `p-${randomUUID()}`;
      await store.appendToStream(id, [ev('AccountOpened', { owner: 'ann' })], {
        aggregateType: 'Account',
        expectedVersion: 'no_stream',
        context: writer(),
      });
      const commit = await store.appendToStream(
        id,
        [ev('MoneyDeposited', { amount: 1 }), ev('Poison'), ev('MoneyDeposited', { amount: 100 })],
        { aggregateType: 'Account', expectedVersion: 1, context: writer() },
      );
      const status = await eventually(async () => (await e.status()).find((s) => s.state === 'failed'), 20000, 'the projection to fail');
      expect(status).toMatchObject({ failedPosition: commit.events[1].position, position: commit.events[1].position - 1 });
      expect(await e.readModels.findById<Account>('accounts', id, { scope: orgA })).toMatchObject({ balance: 1 });

      await e.stop();
      const fixed = engine(
        {},
        accountsProjection({
          eventTypes: ['AccountOpened', 'MoneyDeposited', 'AccountClosed', 'Poison'],
          evolve: (doc, ev2) => (ev2.eventType === 'Poison' ? doc : accountsProjection().evolve(doc, ev2)),
        }),
      );
      fixed.start();
      await fixed.waitForPosition('accounts', commit.position, 20000);
      expect(await fixed.readModels.findById<Account>('accounts', id, { scope: orgA })).toMatchObject({ balance: 101 });
      expect((await fixed.status())[0]).toMatchObject({ state: 'running', lastError: null, failedPosition: null });
    });
  });
});
