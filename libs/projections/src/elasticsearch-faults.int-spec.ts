import { randomUUID } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import type { ElasticsearchEventStore } from '@gyroscops/event-store/elasticsearch';
import { ProjectionEngine, readModelAlias, type ProjectionDefinition } from '@gyroscops/projections';
import { dropAll, eventually, ev, makeEngine, makeStore, testClient, testPrefix, writer } from '../testing/projections-test-support';

/**
 * Faults Elasticsearch reports inside a 200 answer. An `mget` item that could not be read (its index missing or closed,
 * a shard not available) is a read that failed, never "no such document"; a `_bulk` item refused by a write block (a
 * backup's pause) is a write to retry, not an event that failed.
 */
interface Tally {
  streamId: string;
  events: number;
}

const tallies = (): ProjectionDefinition<Tally> => ({
  name: 'tallies',
  version: 1,
  eventTypes: ['Ticked'],
  idOf: (e) => e.aggregateId,
  // Folded from nothing, a tally counts only the events it was given: what a read model looks like when its
  // document was read as absent.
  evolve: (doc, e) => ({ streamId: e.aggregateId, events: (doc?.events ?? 0) + 1 }),
  mappings: { properties: { streamId: { type: 'keyword' }, events: { type: 'integer' } } },
});

describe('projections: documents that could not be read or written', () => {
  let client: Client;
  const warnings: string[] = [];
  let prefix: string;
  let store: ElasticsearchEventStore;
  let engine: ProjectionEngine;
  let engineClient: Client;

  beforeEach(async () => {
    client = testClient();
    prefix = testPrefix('unreadable');
    store = await makeStore(client, prefix);
    engineClient = testClient();
    warnings.length = 0;
    const logger = { log: () => undefined, warn: (m: string) => warnings.push(m), error: (m: string) => warnings.push(m) };
    engine = makeEngine(engineClient, store, prefix, { logger });
    engine.register(tallies());
    engine.start();
  });

  afterEach(async () => {
    await engine.stop();
    await client.indices.putSettings({ index: `${prefix}-rm-*`, settings: { 'index.blocks.write': null } }).catch(() => undefined);
    await store.close();
    await client.indices.open({ index: `${prefix}-projection-state` }).catch(() => undefined);
    await dropAll(client, prefix);
    await engineClient.close();
    await client.close();
  });

  const tick = async (id: string, expectedVersion: number | 'no_stream') =>
    (await store.appendToStream(id, [ev('Ticked')], { aggregateType: 'Clock', expectedVersion, context: writer() })).position;

  it('does not fold a read-model document it could not read from nothing (its index deleted under the runner)', async () => {
    const id = `clock-${randomUUID()}`;
    await tick(id, 'no_stream');
    const second = await tick(id, 1);
    await engine.waitForPosition('tallies', second, 20000);
    const alias = readModelAlias(prefix, 'tallies');
    const [concrete] = Object.keys(await client.indices.getAlias({ name: alias }));
    expect(await engine.readModels.findById<Tally>('tallies', id, { scope: { organizationId: 'org-a', isAdmin: false } })).toEqual({
      streamId: id,
      events: 2,
      organizationId: 'org-a',
    });

    await client.indices.delete({ index: concrete });
    const third = await tick(id, 2);

    // The runner reports the event it could not apply instead of writing a tally of one event.
    const status = await eventually(
      async () => {
        const [s] = await engine.status();
        return s.failedPosition !== null && s;
      },
      20000,
      'a failure reported at the event it could not apply',
    );
    expect(status).toMatchObject({ failedPosition: third, state: 'failed' });
    expect(status.lastError).toMatch(/index_not_found_exception/);
    expect(status.position).toBeLessThan(third);
    expect(await client.indices.exists({ index: concrete })).toBe(false);
  });

  it('answers the status of projections whose state could not be read with an error, not with initial states', async () => {
    const id = `clock-${randomUUID()}`;
    const first = await tick(id, 'no_stream');
    await engine.waitForPosition('tallies', first, 20000);
    const [before] = await engine.status();
    expect(before.position).toBeGreaterThanOrEqual(first);

    await client.indices.close({ index: `${prefix}-projection-state` });
    await expect(engine.status()).rejects.toThrow(/index_closed_exception/);

    await client.indices.open({ index: `${prefix}-projection-state`, wait_for_active_shards: 1 });
    const [after] = await engine.status();
    expect(after.position).toBeGreaterThanOrEqual(first);
  });

  it('waits out a write block on its read model (a backup pausing writes) and goes on once it is lifted', async () => {
    const id = `clock-${randomUUID()}`;
    await engine.waitForPosition('tallies', await tick(id, 'no_stream'), 20000);
    const [concrete] = Object.keys(await client.indices.getAlias({ name: readModelAlias(prefix, 'tallies') }));

    await client.indices.putSettings({ index: concrete, settings: { 'index.blocks.write': true } });
    const second = await tick(id, 1);
    // The runner met the block more times than the three attempts an event gets before it is reported failed.
    const during = await eventually(
      async () => {
        const [status] = await engine.status();
        return (status.failedPosition !== null || warnings.filter((w) => w.includes('cluster_block_exception')).length > 3) && status;
      },
      20000,
      'writes refused by the block',
    );
    expect(during).toMatchObject({ state: 'running', failedPosition: null });
    expect(during.position).toBeLessThan(second);

    await client.indices.putSettings({ index: concrete, settings: { 'index.blocks.write': null } });
    await engine.waitForPosition('tallies', second, 20000);
    expect(await engine.readModels.findById<Tally>('tallies', id, { scope: { organizationId: 'org-a', isAdmin: false } })).toMatchObject({
      events: 2,
    });
  });
});
