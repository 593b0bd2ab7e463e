import { randomUUID } from 'node:crypto';
import {
  DuplicateEventError,
  EventNotFoundError,
  InvalidEventError,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type EventStore,
  type NewEvent,
} from '@gyroscops/event-store';
import { orgA, orgB, writer, reader, admin, ev, id, type ContractHarness, type HarnessOf } from './contract-fixtures';

/** The event store contract: appending, optimistic concurrency, idempotent retries, validation and tenancy of writes. */
export function appendContract(harness: HarnessOf): void {
  let h: ContractHarness;
  let store: EventStore;
  beforeAll(() => {
    h = harness();
    store = h.store;
  });

  describe('when appending to a new stream', () => {
    it('numbers events 1..n, gives increasing global positions and stamps the caller', async () => {
      const a = id();
      const ctx = writer(orgA, 'alice', { causationId: 'cmd-1' });
      const r = await store.appendToStream(
        a,
        [ev('Opened', { n: 1 }, { metadata: { userId: 'forged', organizationId: 'forged', ip: '10.0.0.1' } }), ev('Changed', { n: 2 })],
        {
          aggregateType: 'Thing',
          expectedVersion: 'no_stream',
          context: ctx,
        },
      );
      expect(r).toMatchObject({ aggregateId: a, fromVersion: 1, version: 2 });
      expect(r.events.map((e) => e.version)).toEqual([1, 2]);
      expect(r.events[1].position).toBe(r.events[0].position + 1);
      expect(r.position).toBe(r.events[1].position);
      const slice = await store.readStream(a, reader());
      expect(slice.version).toBe(2);
      expect(slice.aggregateType).toBe('Thing');
      expect(slice.events[0]).toMatchObject({
        eventType: 'Opened',
        eventData: { n: 1 },
        correlationId: ctx.correlationId,
        causationId: 'cmd-1',
        schemaVersion: 1,
        metadata: { userId: 'alice', organizationId: orgA, source: 'test', ip: '10.0.0.1' },
      });
      expect(slice.events[0].eventId).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('reads its own write immediately, without any refresh', async () => {
      const a = id();
      await store.appendToStream(a, [ev('Opened')], { aggregateType: 'Thing', expectedVersion: 'no_stream', context: writer() });
      const slice = await store.readStream(a, reader());
      expect(slice.events.map((e) => e.eventType)).toEqual(['Opened']);
    });
  });

  describe('when the expected version does not match', () => {
    it('refuses with WrongExpectedVersionError carrying both versions, and stores nothing', async () => {
      const a = id();
      await store.appendToStream(a, [ev('A'), ev('B')], { aggregateType: 'Thing', expectedVersion: 'no_stream', context: writer() });
      const err = await store
        .appendToStream(a, [ev('C')], { aggregateType: 'Thing', expectedVersion: 1, context: writer() })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WrongExpectedVersionError);
      expect(err).toMatchObject({ expectedVersion: 1, actualVersion: 2 });
      await expect(
        store.appendToStream(a, [ev('C')], { aggregateType: 'Thing', expectedVersion: 'no_stream', context: writer() }),
      ).rejects.toMatchObject({
        actualVersion: 2,
      });
      await expect(
        store.appendToStream(id(), [ev('C')], { aggregateType: 'Thing', expectedVersion: 'stream_exists', context: writer() }),
      ).rejects.toMatchObject({
        actualVersion: 0,
      });
      expect((await store.readStream(a, reader())).version).toBe(2);
    });

    it('accepts any, stream_exists and the exact version', async () => {
      const a = id();
      await store.appendToStream(a, [ev('A')], { aggregateType: 'Thing', expectedVersion: 'any', context: writer() });
      await store.appendToStream(a, [ev('B')], { aggregateType: 'Thing', expectedVersion: 'stream_exists', context: writer() });
      const r = await store.appendToStream(a, [ev('C'), ev('D')], { aggregateType: 'Thing', expectedVersion: 2, context: writer() });
      expect(r).toMatchObject({ fromVersion: 3, version: 4 });
    });
  });

  describe('when reading a stream', () => {
    let a: string;
    beforeAll(async () => {
      a = id();
      await store.appendToStream(
        a,
        Array.from({ length: 7 }, (_, i) => ev(`E${i + 1}`, { i: i + 1 })),
        { aggregateType: 'Thing', expectedVersion: 'no_stream', context: writer() },
      );
    });
    it('pages forward from a version', async () => {
      const s = await store.readStream(a, reader(), { fromVersion: 3, maxCount: 2 });
      expect(s.events.map((e) => e.version)).toEqual([3, 4]);
      expect(s.version).toBe(7);
    });
    it('pages backward from the end or from a version', async () => {
      expect((await store.readStream(a, reader(), { direction: 'backward', maxCount: 3 })).events.map((e) => e.version)).toEqual([7, 6, 5]);
      expect((await store.readStream(a, reader(), { direction: 'backward', fromVersion: 2 })).events.map((e) => e.version)).toEqual([2, 1]);
    });
    it('stops at toVersion for replays, and reports the current version on an empty page', async () => {
      expect((await store.readStream(a, reader(), { toVersion: 3 })).events.map((e) => e.version)).toEqual([1, 2, 3]);
      const empty = await store.readStream(a, reader(), { fromVersion: 50 });
      expect(empty.events).toEqual([]);
      expect(empty.version).toBe(7);
    });
    it('answers StreamNotFound for unknown streams', async () => {
      await expect(store.readStream(id(), reader())).rejects.toBeInstanceOf(StreamNotFoundError);
    });
  });

  describe('when a client retries an append with the same eventIds', () => {
    it('succeeds and stores nothing new (exact expected version)', async () => {
      const a = id();
      const events = [ev('A', {}, { eventId: randomUUID() }), ev('B', {}, { eventId: randomUUID() })];
      const first = await store.appendToStream(a, events, { aggregateType: 'Thing', expectedVersion: 'no_stream', context: writer() });
      const again = await store.appendToStream(a, events, { aggregateType: 'Thing', expectedVersion: 'no_stream', context: writer() });
      expect(again).toMatchObject({ fromVersion: 1, version: 2, position: first.position });
      expect((await store.readStream(a, reader())).version).toBe(2);
    });
    it('succeeds and stores nothing new (any)', async () => {
      const a = id();
      await store.appendToStream(a, [ev('Z')], { aggregateType: 'Thing', expectedVersion: 'any', context: writer() });
      const e = ev('A', {}, { eventId: randomUUID() });
      await store.appendToStream(a, [e], { aggregateType: 'Thing', expectedVersion: 'any', context: writer() });
      const again = await store.appendToStream(a, [e], { aggregateType: 'Thing', expectedVersion: 'any', context: writer() });
      expect(again.version).toBe(2);
      expect((await store.readStream(a, reader())).version).toBe(2);
    });
    it('refuses the same eventId at another position', async () => {
      const a = id();
      const e = ev('A', {}, { eventId: randomUUID() });
      await store.appendToStream(a, [e], { aggregateType: 'Thing', expectedVersion: 'no_stream', context: writer() });
      await expect(
        store.appendToStream(a, [ev('B'), e], { aggregateType: 'Thing', expectedVersion: 1, context: writer() }),
      ).rejects.toBeInstanceOf(DuplicateEventError);
      await expect(
        store.appendToStream(id(), [e], { aggregateType: 'Thing', expectedVersion: 'any', context: writer() }),
      ).rejects.toBeInstanceOf(DuplicateEventError);
      expect((await store.readStream(a, reader())).version).toBe(1);
    });
    it('stores an eventId appended concurrently to two streams exactly once, refusing the other append', async () => {
      const e = ev('A', {}, { eventId: randomUUID() });
      const [a, b] = [id(), id()];
      const outcomes = await Promise.allSettled(
        [a, b].map((s) => store.appendToStream(s, [e], { aggregateType: 'Thing', expectedVersion: 'any', context: writer() })),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(DuplicateEventError);
      const stored = await Promise.all(
        [a, b].map((s) =>
          store.readStream(s, reader()).then(
            (x) => x.version,
            () => 0,
          ),
        ),
      );
      expect(stored.sort()).toEqual([0, 1]);
    });
  });

  describe('when events are invalid', () => {
    it.each([
      ['an empty list', 'ok-id', []],
      ['a missing eventType', 'ok-id', [{ eventData: {} }]],
      ['an array as eventData', 'ok-id', [{ eventType: 'A', eventData: [] }]],
      ['a non-UUID eventId', 'ok-id', [{ eventType: 'A', eventData: {}, eventId: 'nope' }]],
      [
        'an eventId repeated within the append',
        'ok-id',
        [
          { eventType: 'A', eventData: {}, eventId: '00000000-0000-4000-8000-000000000001' },
          { eventType: 'B', eventData: {}, eventId: '00000000-0000-4000-8000-000000000001' },
        ],
      ],
      ['1001 events', 'ok-id', Array.from({ length: 1001 }, () => ({ eventType: 'A', eventData: {} }))],
      ['an id with a wildcard', 'a*', [{ eventType: 'A', eventData: {} }]],
      ['an id with ../', 'a/../b', [{ eventType: 'A', eventData: {} }]],
      ['an id starting with _', '_search', [{ eventType: 'A', eventData: {} }]],
      ['an id with NUL', 'a\u0000b', [{ eventType: 'A', eventData: {} }]],
      ['an id of 600 characters', 'a'.repeat(600), [{ eventType: 'A', eventData: {} }]],
    ])('refuses %s with InvalidEventError', async (_label, aggregateId, events) => {
      const aid = aggregateId === 'ok-id' ? id() : aggregateId;
      await expect(
        store.appendToStream(aid, events as NewEvent[], { aggregateType: 'Thing', expectedVersion: 'any', context: writer() }),
      ).rejects.toBeInstanceOf(InvalidEventError);
      if (aggregateId === 'ok-id') await expect(store.readStream(aid, reader())).rejects.toBeInstanceOf(StreamNotFoundError);
    });
    it('refuses an append of another aggregate type to an existing stream', async () => {
      const a = id();
      await store.appendToStream(a, [ev('A')], { aggregateType: 'Thing', expectedVersion: 'no_stream', context: writer() });
      await expect(
        store.appendToStream(a, [ev('B')], { aggregateType: 'Other', expectedVersion: 'any', context: writer() }),
      ).rejects.toBeInstanceOf(InvalidEventError);
    });
  });

  describe('when payloads have hostile shapes', () => {
    it('stores and reads back any JSON exactly', async () => {
      const a = id();
      const many: Record<string, number> = {};
      for (let i = 0; i < 3000; i++) many[`key_${i}`] = i;
      const payloads: unknown[] = [
        { amount: { value: 10, currency: 'EUR' }, 'dotted.key': 'x', _id: 'not-an-id', _source: { a: 1 }, '': 'empty key' },
        { amount: 42, 'dotted.key': { nested: true }, _id: 7, list: [1, 'two', { three: [3] }, null] },
        { amount: 'forty-two', deep: JSON.parse('{"a":'.repeat(60) + '1' + '}'.repeat(60)) as unknown, unicode: 'café ☕ 日本' },
        many,
        JSON.parse('{"__proto__": {"polluted": true}, "constructor": "c", "big": 1e300, "neg": -0.5, "t": true, "n": null}') as unknown,
      ];
      const events = payloads.map((p, i) =>
        ev(`Shape${i}`, JSON.parse(JSON.stringify(p)) as Record<string, unknown>, {
          metadata: { 'trace.id': 'abc', _id: 'm', nested: { x: [1, 2] } },
        }),
      );
      await store.appendToStream(a, events, { aggregateType: 'Thing', expectedVersion: 'no_stream', context: writer() });
      const slice = await store.readStream(a, reader());
      slice.events.forEach((e, i) => {
        expect(JSON.stringify(e.eventData)).toEqual(JSON.stringify(payloads[i]));
        expect(e.metadata).toMatchObject({ 'trace.id': 'abc', _id: 'm', nested: { x: [1, 2] } });
      });
      expect(Object.keys(slice.events[4].eventData)).toContain('__proto__');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  describe('when another organization is involved', () => {
    let a: string;
    beforeAll(async () => {
      a = id();
      await store.appendToStream(a, [ev('Secret', { code: 'tenant-secret-xyz' })], {
        aggregateType: 'Thing',
        expectedVersion: 'no_stream',
        context: writer(orgA),
      });
      await h.settle();
    });
    it('hides the stream from it (404), lets it not append, and keeps its events out of every query', async () => {
      await expect(store.readStream(a, reader(orgB))).rejects.toBeInstanceOf(StreamNotFoundError);
      await expect(
        store.appendToStream(a, [ev('Hack')], { aggregateType: 'Thing', expectedVersion: 'any', context: writer(orgB) }),
      ).rejects.toBeInstanceOf(StreamNotFoundError);
      const slice = await store.readStream(a, reader(orgA));
      await expect(store.getEvent(slice.events[0].eventId, reader(orgB))).rejects.toBeInstanceOf(EventNotFoundError);
      expect((await store.search({ q: 'tenant-secret-xyz' }, reader(orgB))).total).toBe(0);
      expect((await store.search({ aggregateId: a }, reader(orgB))).total).toBe(0);
      expect(await store.readCorrelation(slice.events[0].correlationId, reader(orgB))).toEqual([]);
      expect(slice.version).toBe(1);
    });
    it('lets an admin read it and act for it', async () => {
      expect((await store.readStream(a, admin)).version).toBe(1);
      const r = await store.appendToStream(a, [ev('Fixed')], {
        aggregateType: 'Thing',
        expectedVersion: 1,
        context: writer('ops', 'root', { isAdmin: true }),
      });
      expect(r.events[0].metadata.organizationId).toBe(orgA);
    });
  });

  describe('when an event carries a schemaVersion past what the events index can hold (2^31)', () => {
    it('refuses the append with InvalidEventError and stores nothing, so the stream is never left unindexable', async () => {
      const a = id();
      await expect(
        store.appendToStream(a, [ev('A', {}, { schemaVersion: 2_454_449_249 })], {
          aggregateType: 'Thing',
          expectedVersion: 'any',
          context: writer(),
        }),
      ).rejects.toBeInstanceOf(InvalidEventError);
      await expect(store.readStream(a, reader())).rejects.toBeInstanceOf(StreamNotFoundError);
    });
  });

  describe('when the writer context carries an id Elasticsearch could not index (a 40 KB correlation id)', () => {
    it('refuses the append with InvalidEventError and stores nothing', async () => {
      const a = id();
      await expect(
        store.appendToStream(a, [ev('A')], {
          aggregateType: 'Thing',
          expectedVersion: 'no_stream',
          context: writer(orgA, 'user-1', { correlationId: 'c'.repeat(40_000) }),
        }),
      ).rejects.toBeInstanceOf(InvalidEventError);
      await expect(store.readStream(a, reader())).rejects.toBeInstanceOf(StreamNotFoundError);
    });
  });
}
