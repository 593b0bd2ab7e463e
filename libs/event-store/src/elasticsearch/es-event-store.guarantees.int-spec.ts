import { randomUUID } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { WrongExpectedVersionError, type StoredEvent } from '@gyroscops/event-store';
import { type ElasticsearchEventStore } from '@gyroscops/event-store/elasticsearch';
import { ev, reader, writer } from '../../testing/event-store.contract';
import { dropPrefix, makeEsStore, refresh, testClient, testPrefix } from '../../testing/es-test-support';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads the global log from a checkpoint until it has caught up with `until()` being true and the head. */
async function drainLog(store: ElasticsearchEventStore, after: number, until: () => boolean, into: StoredEvent[]): Promise<number> {
  let checkpoint = after;
  for (;;) {
    const page = await store.readAll({ after: checkpoint, maxCount: 300 });
    into.push(...page.events);
    checkpoint = page.checkpoint;
    if (until() && checkpoint >= page.head) return checkpoint;
    if (page.events.length === 0) await sleep(20);
  }
}

describe('Elasticsearch event store guarantees', () => {
  let client: Client;
  let client2: Client;
  let prefix: string;
  let s1: ElasticsearchEventStore;
  let s2: ElasticsearchEventStore;
  const extras: Client[] = [];
  const extraClient = () => {
    const c = testClient();
    extras.push(c);
    return c;
  };

  beforeAll(async () => {
    client = testClient();
    client2 = testClient();
    prefix = testPrefix('guarantees');
    // Two store instances with their own clients: nothing in memory is shared, as with two service instances.
    s1 = await makeEsStore(client, prefix);
    s2 = await makeEsStore(client2, prefix);
  });
  afterAll(async () => {
    await dropPrefix(client, prefix);
    await client.close();
    await client2.close();
    await Promise.all(extras.map((c) => c.close()));
  });

  describe('when 16 writers on two instances race on a few streams while a reader follows the global log', () => {
    it('keeps versions gapless, stores each acknowledged event once at its acknowledged version, no refused event, and the log delivers each once in order', async () => {
      const streams = Array.from({ length: 4 }, () => `race-${randomUUID()}`);
      const acked = new Map<string, { aggregateId: string; version: number }>();
      const refused = new Set<string>();
      const start = await s1.headPosition();
      let writersDone = false;
      const logged: StoredEvent[] = [];
      const follower = drainLog(s2, start, () => writersDone, logged);

      const writerLoop = async (w: number) => {
        const store = w % 2 === 0 ? s1 : s2;
        for (let i = 0; i < 20; i++) {
          const aggregateId = streams[(w + i) % streams.length];
          const size = 1 + ((w * 7 + i) % 4);
          const events = Array.from({ length: size }, (_, k) => ev('Raced', { w, i, k }, { eventId: randomUUID() }));
          let expectedVersion: number | 'any' = 'any';
          if ((w + i) % 3 !== 0) {
            expectedVersion = await store.readStream(aggregateId, reader()).then(
              (s) => s.version,
              () => 0,
            );
          }
          try {
            const r = await store.appendToStream(aggregateId, events, { aggregateType: 'Race', expectedVersion, context: writer() });
            r.events.forEach((e, k) => {
              expect(e.eventId).toBe(events[k].eventId);
              acked.set(e.eventId, { aggregateId, version: e.version });
            });
          } catch (e) {
            if (!(e instanceof WrongExpectedVersionError)) throw e;
            for (const x of events) refused.add(x.eventId as string);
          }
        }
      };
      await Promise.all(Array.from({ length: 16 }, (_, w) => writerLoop(w)));
      writersDone = true;
      await follower;

      let total = 0;
      const stored = new Map<string, { aggregateId: string; version: number }>();
      for (const aggregateId of streams) {
        const slice = await s1.readStream(aggregateId, reader());
        expect(slice.events.map((e) => e.version)).toEqual(Array.from({ length: slice.version }, (_, i) => i + 1));
        for (const e of slice.events) stored.set(e.eventId, { aggregateId, version: e.version });
        total += slice.version;
      }
      expect(acked.size).toBeGreaterThan(50);
      expect(refused.size).toBeGreaterThan(0);
      expect(total).toBe(acked.size);
      for (const [eventId, where] of acked) expect(stored.get(eventId)).toEqual(where);
      for (const eventId of refused) expect(stored.has(eventId)).toBe(false);

      const mine = logged.filter((e) => streams.includes(e.aggregateId));
      const positions = logged.map((e) => e.position);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      expect(new Set(positions).size).toBe(positions.length);
      expect(mine.map((e) => e.eventId).sort()).toEqual([...stored.keys()].sort());
    }, 120_000);
  });

  describe('when a writer dies holding the stream lease, before its commit', () => {
    it('lets the next append through after the lease, fences the dead writer, and shows none of its events', async () => {
      const aggregateId = `crash-lock-${randomUUID()}`;
      await s2.appendToStream(aggregateId, [ev('Opened')], { aggregateType: 'Crash', expectedVersion: 'no_stream', context: writer() });
      const start = await s2.headPosition();
      let release!: () => void;
      const frozen = new Promise<void>((r) => (release = r));
      const dying = await makeEsStore(extraClient(), prefix, { faults: { afterLock: () => frozen } });
      const zombie = dying.appendToStream(aggregateId, [ev('Lost', {}, { eventId: randomUUID() }), ev('Lost')], {
        aggregateType: 'Crash',
        expectedVersion: 1,
        context: writer(),
      });
      await sleep(200);

      const t0 = Date.now();
      const r = await s2.appendToStream(aggregateId, [ev('After')], { aggregateType: 'Crash', expectedVersion: 1, context: writer() });
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(r).toMatchObject({ fromVersion: 2, version: 2 });

      // The dead writer wakes up: its commit is fenced and it is told the stream moved on.
      release();
      await expect(zombie).rejects.toBeInstanceOf(WrongExpectedVersionError);
      const slice = await s2.readStream(aggregateId, reader());
      expect(slice.events.map((e) => e.eventType)).toEqual(['Opened', 'After']);
      const logged: StoredEvent[] = [];
      await drainLog(s1, start, () => true, logged);
      expect(logged.filter((e) => e.aggregateId === aggregateId).map((e) => e.eventType)).toEqual(['After']);
    }, 30_000);
  });

  describe('when a writer dies holding a long range of positions', () => {
    it('lets the global log pass the whole range after about one gap timeout, not one per position', async () => {
      const aggregateId = `crash-range-${randomUUID()}`;
      const start = await s1.headPosition();
      const dying = await makeEsStore(extraClient(), prefix, { faults: { afterLock: () => new Promise<void>(() => undefined) } });
      void dying.appendToStream(
        aggregateId,
        Array.from({ length: 30 }, (_, i) => ev('Lost', { i })),
        {
          aggregateType: 'Crash',
          expectedVersion: 'no_stream',
          context: writer(),
        },
      );
      await sleep(300);
      const after = `after-range-${randomUUID()}`;
      await s1.appendToStream(after, [ev('After')], { aggregateType: 'Crash', expectedVersion: 'no_stream', context: writer() });
      const t0 = Date.now();
      const logged: StoredEvent[] = [];
      await drainLog(s2, start, () => logged.some((e) => e.aggregateId === after), logged);
      // gapTimeoutMs is 1 s in these tests: 30 sequential timeouts would take 30 s.
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(logged.some((e) => e.aggregateId === aggregateId)).toBe(false);
    }, 30_000);
  });

  describe('when a writer dies after its commit point, before the derived documents', () => {
    it('shows all events of the append to readers at once, rolls them forward on the next append and indexes them for search', async () => {
      const aggregateId = `crash-commit-${randomUUID()}`;
      const dying = await makeEsStore(extraClient(), prefix, { faults: { afterCommit: () => new Promise<void>(() => undefined) } });
      void dying.appendToStream(aggregateId, [ev('One', { tag: 'rolled-forward-marker' }), ev('Two'), ev('Three')], {
        aggregateType: 'Crash',
        expectedVersion: 'no_stream',
        context: writer(),
      });
      let slice = await s1.readStream(aggregateId, reader()).catch(() => null);
      for (let i = 0; i < 100 && !slice; i++) {
        await sleep(20);
        slice = await s1.readStream(aggregateId, reader()).catch(() => null);
      }
      expect(slice?.events.map((e) => e.eventType)).toEqual(['One', 'Two', 'Three']);
      const r = await s1.appendToStream(aggregateId, [ev('Four')], { aggregateType: 'Crash', expectedVersion: 3, context: writer() });
      expect(r.version).toBe(4);
      await refresh(client, prefix);
      const found = await s1.search({ aggregateId }, reader());
      expect(found.events.map((e) => e.eventType).sort()).toEqual(['Four', 'One', 'Three', 'Two']);
      expect((await s1.search({ q: 'rolled-forward-marker' }, reader())).total).toBe(1);
    }, 30_000);
  });

  describe('when a committed append is never finalised and its stream is never written again', () => {
    it('is rolled forward by the lease sweep, so search finds it', async () => {
      const aggregateId = `orphan-${randomUUID()}`;
      const marker = `orphanmarker${randomUUID().slice(0, 8)}`;
      const dying = await makeEsStore(extraClient(), prefix, { faults: { afterCommit: () => new Promise<void>(() => undefined) } });
      void dying.appendToStream(aggregateId, [ev('Orphan', { marker })], {
        aggregateType: 'Crash',
        expectedVersion: 'no_stream',
        context: writer(),
      });
      let slice = await s1.readStream(aggregateId, reader()).catch(() => null);
      for (let i = 0; i < 100 && !slice; i++) {
        await sleep(20);
        slice = await s1.readStream(aggregateId, reader()).catch(() => null);
      }
      expect(slice?.version).toBe(1);
      await refresh(client, prefix);
      expect((await s1.search({ q: marker }, reader())).total).toBe(0);
      await sleep(1100); // the lease (1 s in these tests)
      await refresh(client, prefix);
      expect(await s1.sweepPendingLeases()).toBeGreaterThanOrEqual(1);
      await refresh(client, prefix);
      expect((await s1.search({ q: marker }, reader())).total).toBe(1);
      expect((await s1.getEvent(slice?.events[0].eventId as string, reader())).eventType).toBe('Orphan');
    }, 30_000);
  });

  describe('when appends commit out of allocation order', () => {
    it('holds the global log at the gap until the earlier position resolves, then delivers both in position order', async () => {
      const slow = `slow-${randomUUID()}`;
      const fast = `fast-${randomUUID()}`;
      const start = await s1.headPosition();
      let release!: () => void;
      const paused = new Promise<void>((r) => (release = r));
      const pausing = await makeEsStore(extraClient(), prefix, { faults: { afterLock: () => paused } });
      const slowAppend = pausing.appendToStream(slow, [ev('Slow')], {
        aggregateType: 'Order',
        expectedVersion: 'no_stream',
        context: writer(),
      });
      await sleep(100);
      await s1.appendToStream(fast, [ev('Fast')], { aggregateType: 'Order', expectedVersion: 'no_stream', context: writer() });
      const early = await s1.readAll({ after: start });
      expect(early.events.map((e) => e.aggregateId)).not.toContain(fast);
      release();
      await slowAppend;
      const logged: StoredEvent[] = [];
      await drainLog(s1, start, () => true, logged);
      expect(logged.filter((e) => e.aggregateId === slow || e.aggregateId === fast).map((e) => e.eventType)).toEqual(['Slow', 'Fast']);
    }, 30_000);
  });

  describe('when more than 10,000 events match a search', () => {
    it('counts them exactly and pages through all of them with the cursor', async () => {
      const org = `org-big-${randomUUID()}`;
      const aggregateId = `big-${randomUUID()}`;
      for (let i = 0; i < 11; i++) {
        const events = Array.from({ length: 950 }, (_, k) => ev('Bulk', { i, k }));
        await s1.appendToStream(aggregateId, events, { aggregateType: 'Big', expectedVersion: 'any', context: writer(org) });
      }
      await refresh(client, prefix);
      const seen = new Set<string>();
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await s1.search({ aggregateId, size: 1000, cursor }, reader(org));
        expect(page.total).toBe(10450);
        page.events.forEach((e) => seen.add(e.eventId));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor && pages < 20);
      expect(seen.size).toBe(10450);
    }, 120_000);
  });

  describe('when payloads conflict in shape and declared numeric fields are aggregated', () => {
    it('never grows the mapping and sums the declared field exactly', async () => {
      const p = testPrefix('mapping');
      const c = testClient();
      const store = await makeEsStore(c, p, {
        searchFields: { numeric: [{ name: 'amountMinor', path: 'amountMinor', type: 'long', eventTypes: ['Paid'] }] },
      });
      const fieldsBefore = JSON.stringify((await c.indices.getMapping({ index: `${p}-events` }))[`${p}-events`].mappings);
      const a = `shape-${randomUUID()}`;
      const wide: Record<string, number> = {};
      for (let i = 0; i < 5000; i++) wide[`k${i}`] = i;
      await store.appendToStream(
        a,
        [
          ev('Paid', { amountMinor: 100, x: { y: 1 } }),
          ev('Paid', { amountMinor: '250', x: 5 }),
          ev('Paid', { amountMinor: 'n/a', x: [{ y: 'z' }] }),
          ev('Wide', wide),
        ],
        {
          aggregateType: 'Shape',
          expectedVersion: 'no_stream',
          context: writer(),
        },
      );
      const fieldsAfter = JSON.stringify((await c.indices.getMapping({ index: `${p}-events` }))[`${p}-events`].mappings);
      expect(fieldsAfter).toBe(fieldsBefore);
      await refresh(c, p);
      const r = await c.search({ index: `${p}-events`, size: 0, aggs: { s: { sum: { field: 'num.amountMinor' } } } });
      expect((r.aggregations?.s as { value: number }).value).toBe(350);
      expect((await store.search({ data: { 'x.y': 'z' } }, reader())).total).toBe(1);
      expect((await store.search({ data: { k4999: 4999 } }, reader())).total).toBe(1);
      await dropPrefix(c, p);
      await c.close();
    }, 60_000);
  });

  describe('when a payload key holds the NUL character, which flattened fields refuse in keys', () => {
    it('indexes the event for search anyway, and the stream takes the next append', async () => {
      const a = `nul-${randomUUID()}`;
      const word = `nulkey${randomUUID().slice(0, 8)}`;
      const r = await s1.appendToStream(a, [ev('Odd', { 'a\u0000b': word, nested: { 'x\u0000': [1, 2] } })], {
        aggregateType: 'Shape',
        expectedVersion: 'no_stream',
        context: writer(),
      });
      expect(r.version).toBe(1);
      await refresh(client, prefix);
      // The searchable document exists: free text finds the value, and the exact filter finds it under its key.
      expect((await s1.search({ q: word }, reader())).events.map((e) => e.eventData)).toEqual([
        { 'a\u0000b': word, nested: { 'x\u0000': [1, 2] } },
      ]);
      expect((await s1.search({ aggregateId: a, data: { 'a\u0000b': word } }, reader())).total).toBe(1);
      expect((await s1.search({ aggregateId: a, data: { 'nested.x\u0000': 2 } }, reader())).total).toBe(1);
      const next = await s1.appendToStream(a, [ev('After')], { aggregateType: 'Shape', expectedVersion: 1, context: writer() });
      expect(next.version).toBe(2);
    }, 60_000);
  });
});
