import { randomUUID } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { signAccessToken } from '../../src/auth/dev-token';
import { deletePrefix } from '../support/cleanup';
import { startServiceProcess, type ServiceProcess } from '../support/service-process';
import {
  SECRET,
  cluster,
  logHoles,
  nodeUrls,
  post,
  primariesOf,
  readWholeLog,
  readWholeStream,
  readerStore,
  startLoad,
  summary,
  waitForHealth,
  type LoadReport,
} from './cluster-support';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LEASE_MS = 5000;
const say = (line: string) => process.stderr.write(`[cluster-test] ${line}\n`);

interface ProjectionRow {
  name: string;
  kind: string;
  lag: number;
  state: string;
  lastError: string | null;
  parkedCount?: number;
  rebuild: unknown;
  lastRebuild: { id: string } | null;
}

/**
 * Two service instances append under load to a three-node cluster (one replica per shard) while nodes die and restart
 * (README "Durability"). Each phase ends with the same checks over everything written so far.
 */
describe('The service on a three-node cluster with one replica, two instances under load', () => {
  const prefix = `test-cluster-${randomUUID().slice(0, 8)}`;
  const env = {
    ES_NODE: nodeUrls().join(','),
    ES_INDEX_PREFIX: prefix,
    ES_NUMBER_OF_REPLICAS: '1',
    AUTH_JWT_SECRET: SECRET,
  };
  const streams = Array.from({ length: 24 }, (_, i) => `cluster-${i}-${randomUUID().slice(0, 8)}`);
  const admin = `Bearer ${signAccessToken({ sub: 'ops', org: 'ops', roles: ['admin'] }, { algorithm: 'HS256', secret: SECRET })}`;
  const writer = `Bearer ${signAccessToken({ sub: 'cluster-load', org: 'org-cluster', roles: ['writer', 'reader'] }, { algorithm: 'HS256', secret: SECRET })}`;
  const reports: LoadReport[] = [];
  let services: ServiceProcess[] = [];
  let es: Client;
  const reader = readerStore(prefix);

  beforeAll(async () => {
    es = new Client({ nodes: nodeUrls(), requestTimeout: 60_000 });
    await waitForHealth(es, '_all', 'green', 3);
    services = await Promise.all([startServiceProcess(env), startServiceProcess(env)]);
    await waitForHealth(es, `${prefix}-*`, 'green', 3);
    await reader.store.setup();
  }, 600_000);

  afterAll(async () => {
    for (const s of services) s.child.kill('SIGKILL');
    await Promise.all(services.map((s) => s.exited));
    await reader.store.close();
    await reader.client.close();
    await deletePrefix(es, prefix).catch(() => undefined);
    await es.close();
  }, 120_000);

  it('loses no acknowledged append when the node holding the primary of the log, heads or counter is killed (SIGKILL)', async () => {
    const load = startLoad(services, streams);
    await sleep(8000);
    const primaries = await primariesOf(es, prefix);
    // The node holding the most of the three primaries, the log's first.
    const holders = [primaries.log, primaries.streams, primaries.meta];
    const victim = [...holders].sort((a, b) => holders.filter((h) => h === b).length - holders.filter((h) => h === a).length)[0];
    say(`primaries: log on ${primaries.log}, heads on ${primaries.streams}, counter on ${primaries.meta}; killing ${victim}`);
    cluster('kill', victim);
    await sleep(20_000);
    cluster('start', victim);
    await waitForHealth(es, `${prefix}-*`, 'green', 3);
    await sleep(3000);
    const report = await load.stop();
    reports.push(report);
    say(`node loss: ${JSON.stringify(summary(report))}`);
    await verifyEverything();
  }, 900_000);

  it('loses no acknowledged append through a rolling restart of all three nodes', async () => {
    const load = startLoad(services, streams);
    await sleep(5000);
    for (const node of ['node-1', 'node-2', 'node-3']) {
      cluster('stop', node);
      await waitForHealth(es, `${prefix}-*`, 'yellow', 2);
      await sleep(5000);
      cluster('start', node);
      await waitForHealth(es, `${prefix}-*`, 'green', 3);
      say(`${node} restarted`);
    }
    await sleep(3000);
    const report = await load.stop();
    reports.push(report);
    say(`rolling restart: ${JSON.stringify(summary(report))}`);
    await verifyEverything();
  }, 1_500_000);

  /** Every check of the issue, over everything acknowledged, failed or ambiguous in the phases so far. */
  async function verifyEverything(): Promise<void> {
    const appends = reports.flatMap((r) => r.appends);
    const payments = reports.flatMap((r) => r.payments);
    expect(appends.filter((a) => a.outcome === 'acknowledged').length).toBeGreaterThan(50);
    // Nothing failed for another reason than the store being unavailable.
    expect([...new Set(appends.filter((a) => a.outcome === 'failed').map((a) => `${a.status} ${a.error}`))]).toEqual(
      appends.some((a) => a.outcome === 'failed') ? ['503 EventStoreUnavailable'] : [],
    );
    await sleep(LEASE_MS + 1000);

    // Each acknowledged event exactly once, at its acknowledged version; refused ones absent; ambiguous ones at most once.
    const where = new Map<string, { stream: string; version: number }>();
    const duplicates: string[] = [];
    for (const stream of streams) {
      const { version, events } = await readWholeStream(reader.store, stream);
      expect([stream, events.map((e) => e.version)]).toEqual([stream, Array.from({ length: version }, (_, i) => i + 1)]);
      for (const e of events) {
        if (where.has(e.eventId)) duplicates.push(e.eventId);
        where.set(e.eventId, { stream, version: e.version });
      }
    }
    expect(duplicates).toEqual([]);
    const misplaced = appends
      .filter((a) => a.outcome === 'acknowledged')
      .flatMap((a) =>
        a.eventIds.map((id, k) => ({ id, want: { stream: a.stream, version: (a.fromVersion as number) + k }, got: where.get(id) })),
      )
      .filter((x) => x.got?.stream !== x.want.stream || x.got?.version !== x.want.version);
    expect(misplaced).toEqual([]);
    const refusedButStored = appends.filter((a) => a.outcome === 'failed').flatMap((a) => a.eventIds.filter((id) => where.has(id)));
    expect(refusedButStored).toEqual([]);
    const ambiguous = appends.filter((a) => a.outcome === 'ambiguous');
    const partial = ambiguous.filter((a) => new Set(a.eventIds.map((id) => where.has(id))).size > 1);
    expect(partial).toEqual([]);

    // An ambiguous append retried with the same ids is stored exactly once.
    let ambiguousStored = 0;
    for (const a of ambiguous) {
      const wasStored = where.has(a.eventIds[0]);
      if (wasStored) ambiguousStored++;
      const r = await post(services[0].url, `/v1/aggregates/${a.stream}/events`, writer, {
        aggregateType: 'ClusterLoad',
        expectedVersion: 'any',
        events: a.eventIds.map((eventId) => ({ eventId, eventType: 'Loaded', eventData: { retry: true } })),
      });
      expect([a.eventIds[0], r.status]).toEqual([a.eventIds[0], 201]);
      if (wasStored) expect(r.body?.fromVersion).toBe(where.get(a.eventIds[0])?.version);
    }
    say(`ambiguous appends: ${ambiguous.length} (${ambiguousStored} had been stored), retried with the same ids: stored once`);

    // No stream blocked past the lease: an append at the exact current version goes through on every stream.
    for (const stream of streams) {
      const { version } = await readWholeStream(reader.store, stream);
      const r = await post(services[1].url, `/v1/aggregates/${stream}/events`, writer, {
        aggregateType: 'ClusterLoad',
        expectedVersion: version,
        events: [{ eventType: 'AfterPhase', eventData: {} }],
      });
      expect([stream, r.status]).toEqual([stream, 201]);
    }

    // The global log: no hole, positions increasing, each event once, every acknowledged append at its position.
    const { events, head } = await readWholeLog(reader.store);
    expect(await logHoles(reader.client, prefix, head)).toEqual([]);
    const positions = events.map((e) => e.position);
    expect(positions.every((p, i) => i === 0 || p > positions[i - 1])).toBe(true);
    const inLog = new Map(events.map((e) => [e.eventId, e]));
    expect(inLog.size).toBe(events.length);
    const missingFromLog = appends
      .filter((a) => a.outcome === 'acknowledged')
      .filter((a) => inLog.get(a.eventIds[a.eventIds.length - 1])?.position !== a.position);
    expect(missingFromLog).toEqual([]);

    // Projections and sagas catch up, none failed, nothing parked; each projection equals a clean rebuild of it.
    let rows: ProjectionRow[] = [];
    for (let i = 0; i < 300; i++) {
      rows = (await (await fetch(`${services[0].url}/v1/projections`, { headers: { authorization: admin } })).json()) as ProjectionRow[];
      if (rows.length > 0 && rows.every((p) => p.lag === 0 && p.state !== 'failed')) break;
      await sleep(500);
    }
    for (const p of rows) expect(p).toMatchObject({ lag: 0, lastError: null });
    for (const p of rows.filter((r) => r.kind === 'saga')) expect([p.name, p.parkedCount]).toEqual([p.name, 0]);
    const paymentsModel = await readModel('payments');
    for (const p of payments.filter((x) => x.outcome === 'acknowledged')) expect(paymentsModel.has(p.paymentId)).toBe(true);
    for (const p of rows.filter((r) => r.kind === 'projection')) {
      const live = await readModel(p.name);
      const requested = await post(services[0].url, `/v1/projections/${p.name}/rebuild`, admin, {});
      expect(requested.status).toBe(202);
      const rebuildId = requested.body?.rebuildId as string;
      for (let i = 0; i < 600; i++) {
        const now = (
          (await (await fetch(`${services[0].url}/v1/projections`, { headers: { authorization: admin } })).json()) as ProjectionRow[]
        ).find((r) => r.name === p.name && r.kind === 'projection');
        if (now?.lastRebuild?.id === rebuildId && !now.rebuild) break;
        await sleep(500);
      }
      const rebuilt = await readModel(p.name);
      expect([p.name, rebuilt.size]).toEqual([p.name, live.size]);
      for (const [id, doc] of live) expect([p.name, id, rebuilt.get(id)]).toEqual([p.name, id, doc]);
    }
  }

  async function readModel(name: string): Promise<Map<string, unknown>> {
    const index = `${prefix}-rm-${name}`;
    await es.indices.refresh({ index });
    const r = await es.search({ index, size: 10_000, query: { match_all: {} } });
    expect(r.hits.hits.length).toBeLessThan(10_000);
    return new Map(r.hits.hits.map((h) => [h._id as string, h._source]));
  }
});
