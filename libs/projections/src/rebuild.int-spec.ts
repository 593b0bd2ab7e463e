import type { Client } from '@elastic/elasticsearch';
import type { ElasticsearchEventStore } from '@gyroscops/event-store/elasticsearch';
import { readModelAlias, type ProjectionEngine, type RebuildProgress } from '@gyroscops/projections';
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
  sleep,
  testClient,
  testPrefix,
  writer,
  type Account,
} from '../testing/projections-test-support';

describe('rebuilding a projection (blue/green)', () => {
  let client: Client;
  let prefix: string;
  let store: ElasticsearchEventStore;
  const engines: ProjectionEngine[] = [];

  beforeEach(async () => {
    client = testClient();
    prefix = testPrefix('rebuild');
    store = await makeStore(client, prefix);
  });

  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.stop()));
    await store.close();
    await dropAll(client, prefix);
    await client.close();
  });

  describe('while writers keep appending', () => {
    it('builds a fresh index, swaps the alias and converges to the same read model as incremental processing', async () => {
      const engine = makeEngine(client, store, prefix, { timings: { rebuildBatchSize: 40 } });
      engine.register(accountsProjection());
      engines.push(engine);
      engine.start();
      const ids = Array.from({ length: 30 }, (_, i) => `acc-${i}`);
      const seeded = await seedAccounts(store, ids, 10);
      await engine.waitForPosition('accounts', seeded, 20000);
      const [before] = await client.indices.getAlias({ name: readModelAlias(prefix, 'accounts') }).then((r) => Object.keys(r));

      let writing = true;
      let appended = 0;
      const writers = ids.slice(0, 6).map(async (id, w) => {
        while (writing) {
          await store.appendToStream(id, [ev('MoneyDeposited', { amount: w + 1 })], {
            aggregateType: 'Account',
            expectedVersion: 'any',
            context: writer(),
          });
          appended++;
          if (appended % 25 === 0)
            await store.appendToStream(`new-${appended}`, [ev('AccountOpened', { owner: 'late' })], {
              aggregateType: 'Account',
              expectedVersion: 'any',
              context: writer(),
            });
          engine.notify();
          await sleep(5);
        }
      });
      const progress: RebuildProgress[] = [];
      const done = await engine.rebuild('accounts', { onProgress: (p) => progress.push(p) });
      writing = false;
      await Promise.all(writers);

      expect(appended).toBeGreaterThan(0);
      expect(done.state).toBe('completed');
      expect(progress.some((p) => p.state === 'running' && p.eventsDone > 0 && p.remaining >= 0 && p.eventsPerSecond >= 0)).toBe(true);
      const head = await store.headPosition();
      await engine.waitForPosition('accounts', head, 20000);

      const [after] = await client.indices.getAlias({ name: readModelAlias(prefix, 'accounts') }).then((r) => Object.keys(r));
      expect(after).not.toBe(before);
      expect(after).toBe(done.index);
      expect(await client.indices.exists({ index: before })).toBe(false);
      expect(await readModelSnapshot(client, readModelAlias(prefix, 'accounts'))).toEqual(
        await expectedReadModel(store, accountsProjection()),
      );
      const [status] = await engine.status();
      expect(status).toMatchObject({ state: 'running', rebuild: null, lastRebuild: { id: done.rebuildId, index: after } });
    });

    it('keeps serving the current index until the swap', async () => {
      const engine = makeEngine(client, store, prefix, { timings: { rebuildBatchSize: 10 } });
      engine.register(accountsProjection());
      engines.push(engine);
      engine.start();
      const seeded = await seedAccounts(store, ['s-1', 's-2', 's-3'], 20);
      await engine.waitForPosition('accounts', seeded, 20000);
      const { rebuildId } = await engine.requestRebuild('accounts');
      const status = await eventually(
        async () => (await engine.status())[0].rebuild?.state === 'running' && (await engine.status())[0],
        10000,
        'rebuild to start',
      );
      expect(status).toMatchObject({ state: 'rebuilding', rebuild: { rebuildId } });
      // Reads still answer from the complete current index meanwhile.
      expect(
        await engine.readModels.findById<Account>('accounts', 's-1', { scope: { organizationId: 'org-a', isAdmin: false } }),
      ).toMatchObject({ deposits: 20 });
      await eventually(async () => (await engine.status())[0].lastRebuild?.id === rebuildId, 20000, 'rebuild to finish');
    });
  });

  describe('when a new version of the projection is deployed', () => {
    it('rebuilds into a v2 index on takeover and the old version leaves it alone', async () => {
      const v1 = makeEngine(client, store, prefix, { instanceId: 'old' });
      v1.register(accountsProjection());
      engines.push(v1);
      v1.start();
      const seeded = await seedAccounts(store, ['u-1', 'u-2'], 3);
      await v1.waitForPosition('accounts', seeded, 20000);
      await v1.stop();

      const doubled = accountsProjection({
        version: 2,
        evolve: (doc, e) => {
          const next = accountsProjection().evolve(doc, e);
          return next && e.eventType === 'MoneyDeposited' ? { ...next, balance: next.balance + Number(e.eventData.amount) } : next;
        },
      });
      const v2 = makeEngine(client, store, prefix, { instanceId: 'new' });
      v2.register(doubled);
      engines.push(v2);
      v2.start();
      await eventually(async () => (await v2.status())[0].version === 2 && (await v2.status())[0].rebuild === null, 20000, 'upgrade');
      await v2.waitForPosition('accounts', seeded, 20000);
      expect(
        await v2.readModels.findById<Account>('accounts', 'u-1', { scope: { organizationId: 'org-a', isAdmin: false } }),
      ).toMatchObject({ balance: 12 });
      const [index] = await client.indices.getAlias({ name: readModelAlias(prefix, 'accounts') }).then((r) => Object.keys(r));
      expect(index).toContain('-rm-accounts-v2-');

      // An instance still running v1 (rolling deployment) never takes the projection back.
      await v2.stop();
      const stale = makeEngine(client, store, prefix, { instanceId: 'stale' });
      stale.register(accountsProjection());
      engines.push(stale);
      stale.start();
      await sleep(1500);
      expect(stale.isActive('projection', 'accounts')).toBe(false);
    });
  });
});
