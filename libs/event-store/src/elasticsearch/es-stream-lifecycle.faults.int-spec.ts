import { randomUUID } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { LIFECYCLE_STREAM, type StoredEvent } from '@gyroscops/event-store';
import type { ElasticsearchEventStore } from '@gyroscops/event-store/elasticsearch';
import { ev, reader, writer } from '../../testing/event-store.contract';
import { dropPrefix, makeEsStore, testClient, testPrefix } from '../../testing/es-test-support';

/**
 * A lifecycle change writes the stream's head first, then brings the other documents in line. When that second part
 * fails (here: one index refusing writes, as during a backup's pause), the change answers 503, and retrying it, or the
 * next scavenge, finishes it: nothing it was to remove stays readable, nothing it was to bring back stays missing.
 */
describe('Elasticsearch event store: lifecycle changes that fail half-way', () => {
  let client: Client;
  let prefix: string;
  let store: ElasticsearchEventStore;
  const admin = writer('org-a', 'ops-admin', { isAdmin: true });
  const everyone = { organizationId: 'ops', isAdmin: true };
  const block = (index: string, on: boolean) =>
    client.indices.putSettings({ index: `${prefix}-${index}`, settings: { 'index.blocks.write': on ? true : null } });

  beforeAll(async () => {
    client = testClient();
    prefix = testPrefix('lifecycle-faults');
    store = await makeEsStore(client, prefix);
  });
  afterEach(async () => {
    for (const index of ['snapshots', 'log', 'events']) await block(index, false);
  });
  afterAll(async () => {
    await store.close();
    await dropPrefix(client, prefix);
    await client.close();
  });

  const stream = async (events: number): Promise<string> => {
    const id = `s-${randomUUID()}`;
    await store.appendToStream(
      id,
      Array.from({ length: events }, (_, i) => ev('Noted', { n: i + 1, secret: `secret-${id}-${i + 1}` })),
      { aggregateType: 'Note', expectedVersion: 'no_stream', context: writer() },
    );
    await store.saveSnapshot(
      { aggregateId: id, aggregateType: 'Note', version: events, schemaVersion: 1, state: { secret: id } },
      reader(),
    );
    return id;
  };
  const searchTotal = async (aggregateId: string) => (await store.search({ aggregateId }, everyone)).total;
  const inLog = async (aggregateId: string): Promise<StoredEvent[]> => {
    const out: StoredEvent[] = [];
    for (let after = 0; ;) {
      const page = await store.readAll({ after, maxCount: 1000 });
      out.push(...page.events.filter((e) => e.aggregateId === aggregateId));
      if (page.checkpoint >= page.head || page.checkpoint === after) return out;
      after = page.checkpoint;
    }
  };
  const recorded = async (aggregateId: string, eventType: string) =>
    (await store.readStream(LIFECYCLE_STREAM, everyone)).events.filter(
      (e) => e.eventData.aggregateId === aggregateId && e.eventType === eventType,
    ).length;

  it('finishes a hard delete when it is retried, and records it once', async () => {
    const id = await stream(2);
    await block('snapshots', true);
    await expect(store.deleteStream(id, { mode: 'hard', reason: 'test', context: admin })).rejects.toMatchObject({
      code: 'EventStoreUnavailable',
    });
    await block('snapshots', false);

    await expect(store.deleteStream(id, { mode: 'hard', reason: 'test', context: admin })).resolves.toMatchObject({ deleted: 'hard' });
    expect(await store.loadSnapshot(id, everyone)).toBeNull();
    expect(await searchTotal(id)).toBe(0);
    expect(await inLog(id)).toEqual([]);
    expect(await recorded(id, 'StreamHardDeleted')).toBe(1);
    // Done: a hard delete of it now is refused as before.
    await expect(store.deleteStream(id, { mode: 'hard', reason: 'test', context: admin })).rejects.toMatchObject({ code: 'StreamDeleted' });
  });

  it('finishes a hard delete nobody retried at the next scavenge', async () => {
    const id = await stream(2);
    await block('snapshots', true);
    await expect(store.deleteStream(id, { mode: 'hard', reason: 'test', context: admin })).rejects.toMatchObject({
      code: 'EventStoreUnavailable',
    });
    await block('snapshots', false);

    await store.scavenge();
    expect(await store.loadSnapshot(id, everyone)).toBeNull();
    expect(await searchTotal(id)).toBe(0);
  });

  it('purges at the next scavenge what a scavenge could not purge', async () => {
    const id = await stream(5);
    await store.setStreamRetention(id, { truncateBefore: 4 }, { reason: 'test', context: admin });
    await block('log', true);
    await store.scavenge();
    await block('log', false);
    expect((await inLog(id)).map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);

    const report = await store.scavenge();
    expect(report.eventsRemoved).toBeGreaterThanOrEqual(3);
    expect((await inLog(id)).map((e) => e.version)).toEqual([4, 5]);
    expect((await store.readStream(id, reader())).events.map((e) => e.version)).toEqual([4, 5]);
  });

  it('brings back the search documents of a restore when it is retried', async () => {
    const id = await stream(3);
    await store.deleteStream(id, { mode: 'soft', reason: 'test', context: admin });
    expect(await searchTotal(id)).toBe(0);
    await block('events', true);
    await expect(store.restoreStream(id, { reason: 'test', context: admin })).rejects.toMatchObject({ code: 'EventStoreUnavailable' });
    await block('events', false);

    await store.restoreStream(id, { reason: 'test', context: admin });
    expect(await searchTotal(id)).toBe(3);
    expect((await store.readStream(id, reader())).events.map((e) => e.version)).toEqual([1, 2, 3]);
  }, 30_000);

  it('brings back at the next scavenge the search documents of a restore nobody retried', async () => {
    const id = await stream(3);
    await store.deleteStream(id, { mode: 'soft', reason: 'test', context: admin });
    await block('events', true);
    await expect(store.restoreStream(id, { reason: 'test', context: admin })).rejects.toMatchObject({ code: 'EventStoreUnavailable' });
    await block('events', false);

    await store.scavenge();
    expect(await searchTotal(id)).toBe(3);
  }, 30_000);
});
