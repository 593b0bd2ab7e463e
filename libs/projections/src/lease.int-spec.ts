import type { Client } from '@elastic/elasticsearch';
import type { StoredEvent } from '@gyroscops/event-store';
import type { ElasticsearchEventStore } from '@gyroscops/event-store/elasticsearch';
import { readModelAlias, type ProjectionDefinition, type ProjectionEngine } from '@gyroscops/projections';
import {
  accountsProjection,
  dropAll,
  eventually,
  expectedReadModel,
  makeEngine,
  makeStore,
  readModelSnapshot,
  seedAccounts,
  testClient,
  testPrefix,
  type Account,
} from '../testing/projections-test-support';

/** Counts, per instance, how many events each projection's evolve saw. */
function instrumented(name: string, seen: Map<string, number>): ProjectionDefinition<Account> {
  const base = accountsProjection({ name });
  return {
    ...base,
    evolve: (doc: Account | null, e: StoredEvent) => {
      seen.set(name, (seen.get(name) ?? 0) + 1);
      return base.evolve(doc, e);
    },
  };
}

describe('two instances running the same projections', () => {
  let admin: Client;
  let prefix: string;
  const clients: Client[] = [];
  const engines: ProjectionEngine[] = [];
  const stores: ElasticsearchEventStore[] = [];

  /** A service instance: its own client, event store object and engine, on the shared prefix. */
  async function instance(id: string): Promise<{ engine: ProjectionEngine; store: ElasticsearchEventStore; seen: Map<string, number> }> {
    const client = testClient();
    clients.push(client);
    const store = await makeStore(client, prefix);
    stores.push(store);
    const seen = new Map<string, number>();
    // Longer than the other suites' leases: a holder must not lose its lease to a slow, busy test cluster here.
    const engine = makeEngine(client, store, prefix, {
      instanceId: id,
      timings: { leaseMs: 2000, renewIntervalMs: 300, safetyMarginMs: 500 },
    });
    engine.register(instrumented('ledger', seen));
    engine.register(instrumented('balances', seen));
    engines.push(engine);
    return { engine, store, seen };
  }

  beforeAll(async () => {
    admin = testClient();
    prefix = testPrefix('lease');
  });

  afterAll(async () => {
    await Promise.all(engines.map((e) => e.stop()));
    await Promise.all(stores.map((s) => s.close()));
    await dropAll(admin, prefix);
    await Promise.all(clients.map((c) => c.close()));
    await admin.close();
  });

  it('runs each projection on exactly one of them, and fails over when it dies or releases', async () => {
    const a = await instance('instance-a');
    const b = await instance('instance-b');
    a.engine.start();
    b.engine.start();
    const ids = Array.from({ length: 20 }, (_, i) => `acc-${i}`);
    let last = await seedAccounts(a.store, ids.slice(0, 10), 3);
    last = Math.max(last, await seedAccounts(b.store, ids.slice(10), 3));
    await a.engine.waitForPosition('ledger', last, 20000);
    await a.engine.waitForPosition('balances', last, 20000);

    // Exactly one active runner per projection, and only it ever evolved anything.
    for (const name of ['ledger', 'balances']) {
      const active = [a, b].filter((x) => x.engine.isActive('projection', name));
      expect(active).toHaveLength(1);
      const idle = a === active[0] ? b : a;
      expect(idle.seen.get(name) ?? 0).toBe(0);
      expect(active[0].seen.get(name)).toBeGreaterThanOrEqual(20 + 60);
      const status = (await idle.engine.status()).find((s) => s.name === name);
      expect(status?.owner).toBe(active[0].engine.instanceId);
    }

    // The holder of "ledger" dies without releasing anything: the other takes over once the lease expires.
    const holder = a.engine.isActive('projection', 'ledger') ? a : b;
    const other = holder === a ? b : a;
    holder.engine.kill();
    last = await seedAccounts(other.store, ids, 1);
    await other.engine.waitForPosition('ledger', last, 20000);
    await other.engine.waitForPosition('balances', last, 20000);
    await eventually(
      () => other.engine.isActive('projection', 'ledger') && other.engine.isActive('projection', 'balances'),
      10000,
      'takeover',
    );
    for (const name of ['ledger', 'balances']) {
      expect(await readModelSnapshot(admin, readModelAlias(prefix, name))).toEqual(
        await expectedReadModel(other.store, accountsProjection({ name })),
      );
    }

    // A third instance starts; the current one shuts down cleanly (releases): the third takes over.
    const c = await instance('instance-c');
    c.engine.start();
    await other.engine.stop();
    last = await seedAccounts(c.store, ids, 1);
    await c.engine.waitForPosition('ledger', last, 20000);
    await c.engine.waitForPosition('balances', last, 20000);
    expect(c.engine.isActive('projection', 'ledger')).toBe(true);
    for (const name of ['ledger', 'balances']) {
      expect(await readModelSnapshot(admin, readModelAlias(prefix, name))).toEqual(
        await expectedReadModel(c.store, accountsProjection({ name })),
      );
    }
    const statuses = await c.engine.status();
    expect(statuses.every((s) => s.owner === 'instance-c' && s.state === 'running')).toBe(true);
  });
});
