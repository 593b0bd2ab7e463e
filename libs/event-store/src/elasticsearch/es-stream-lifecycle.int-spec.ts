import { randomUUID } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import type { ElasticsearchEventStore } from '@gyroscops/event-store/elasticsearch';
import { ev, reader, writer } from '../../testing/event-store.contract';
import { dropPrefix, EVENTS_LAYOUTS, makeEsStore, refresh, testClient, testPrefix } from '../../testing/es-test-support';

/** Every `_source` of every index of the prefix, as text. */
async function everySource(client: Client, prefix: string): Promise<string[]> {
  await refresh(client, prefix);
  const out: string[] = [];
  const r = await client.search({ index: `${prefix}-*`, size: 10000, query: { match_all: {} } });
  for (const h of r.hits.hits) out.push(`${h._index}/${h._id} ${JSON.stringify(h._source)}`);
  return out;
}

describe.each(EVENTS_LAYOUTS)('Elasticsearch event store$name: deletion and retention on disk', ({ eventsIndex }) => {
  let client: Client;
  let prefix: string;
  let store: ElasticsearchEventStore;
  const admin = writer('org-a', 'ops-admin', { isAdmin: true });

  beforeAll(async () => {
    client = testClient();
    prefix = testPrefix('lifecycle');
    store = await makeEsStore(client, prefix, { eventsIndex });
  });
  afterAll(async () => {
    await store.close();
    await dropPrefix(client, prefix);
    await client.close();
  });

  describe('when a stream is hard-deleted', () => {
    it("leaves none of its payloads in any index (log, search, event ids, snapshots) and changes no other stream's data", async () => {
      const doomed = `doomed-${randomUUID()}`;
      const kept = `kept-${randomUUID()}`;
      const secret = `secret-${randomUUID()}`;
      const other = `other-${randomUUID()}`;
      await store.appendToStream(
        doomed,
        [ev('Opened', { note: secret }, { eventId: randomUUID() }), ev('Changed', { nested: { v: secret } })],
        {
          aggregateType: 'Thing',
          expectedVersion: 'no_stream',
          context: writer(),
        },
      );
      await store.appendToStream(doomed, [ev('Changed', { again: secret })], {
        aggregateType: 'Thing',
        expectedVersion: 2,
        context: writer(),
      });
      await store.saveSnapshot({ aggregateId: doomed, aggregateType: 'Thing', version: 3, schemaVersion: 1, state: { secret } }, reader());
      await store.appendToStream(kept, [ev('Opened', { note: other })], {
        aggregateType: 'Thing',
        expectedVersion: 'no_stream',
        context: writer(),
      });
      const keptBefore = await store.readStream(kept, reader());
      expect((await everySource(client, prefix)).some((s) => s.includes(secret))).toBe(true);

      await store.deleteStream(doomed, { mode: 'hard', reason: 'erasure request', context: admin });

      const leftovers = (await everySource(client, prefix)).filter((s) => s.includes(secret));
      expect(leftovers).toEqual([]);
      expect((await store.search({ q: secret }, { organizationId: 'x', isAdmin: true })).total).toBe(0);
      expect(await store.readStream(kept, reader())).toEqual(keptBefore);
      expect((await store.search({ q: other }, reader())).total).toBe(1);
    });
  });

  describe('when scavenging after retention and a soft delete', () => {
    it('removes the hidden payloads from disk, reports what it freed, and keeps the visible ones', async () => {
      const a = `ret-${randomUUID()}`;
      const b = `soft-${randomUUID()}`;
      await store.appendToStream(
        a,
        [1, 2, 3, 4].map((n) => ev('Tick', { n, mark: `${a}-n${n}` })),
        { aggregateType: 'Thing', expectedVersion: 'no_stream', context: writer() },
      );
      await store.appendToStream(b, [ev('Tick', { mark: `${b}-gone` })], {
        aggregateType: 'Thing',
        expectedVersion: 'no_stream',
        context: writer(),
      });
      await store.setStreamRetention(a, { maxCount: 1 }, { reason: 'keep the last', context: admin });
      await store.deleteStream(b, { mode: 'soft', reason: 'cleanup', context: admin });
      const progress: number[] = [];
      const report = await store.scavenge({ onProgress: (p) => progress.push(p.streamsScanned) });
      expect(progress.length).toBeGreaterThan(0);
      expect(report).toMatchObject({ streamsScavenged: 2, eventsRemoved: 4 });
      expect(report.bytesFreed).toBeGreaterThan(0);
      const sources = await everySource(client, prefix);
      for (const n of [1, 2, 3]) expect(sources.filter((s) => s.includes(`${a}-n${n}`) && !s.includes('-streams/'))).toEqual([]);
      expect(sources.filter((s) => s.includes(`${b}-gone`))).toEqual([]);
      expect((await store.readStream(a, reader())).events.map((e) => e.eventData.n)).toEqual([4]);
      // A second run finds nothing more to free.
      expect((await store.scavenge()).eventsRemoved).toBe(0);
    });
  });

  describe('when a data subject is erased', () => {
    it("no index holds or matches the subject's personal values, its streams' snapshots are gone, and no other subject's data changed", async () => {
      const subject = `subject-${randomUUID()}`;
      const other = `other-${randomUUID()}`;
      const phone = `+33-${randomUUID()}`;
      const stream = `acct-${randomUUID()}`;
      await store.appendToStream(
        stream,
        [
          ev('Registered', { plan: 'pro' }, { personal: { subjectId: subject, data: { phone, name: 'Zelda Quux' } } }),
          ev('Registered', { plan: 'free' }, { personal: { subjectId: other, data: { phone: `${other}-phone` } } }),
        ],
        { aggregateType: 'Account', expectedVersion: 'no_stream', context: writer() },
      );
      await store.saveSnapshot({ aggregateId: stream, aggregateType: 'Account', version: 2, schemaVersion: 1, state: { phone } }, reader());
      const otherBefore = (await store.readStream(stream, reader())).events[1];

      await store.eraseSubject(subject, { reason: 'GDPR request', context: admin });

      const sources = await everySource(client, prefix);
      expect(sources.filter((s) => s.includes(phone) || s.includes('Zelda'))).toEqual([]);
      for (const q of [phone, 'Zelda', 'Quux']) expect((await store.search({ q }, { organizationId: 'x', isAdmin: true })).total).toBe(0);
      expect(await store.loadSnapshot(stream, reader())).toBeNull();
      const after = await store.readStream(stream, reader());
      expect(after.events[0].personal).toEqual({ subjectId: subject, data: null, erased: true });
      expect(after.events[1]).toEqual(otherBefore);
    });
  });
});
