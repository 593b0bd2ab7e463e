import { randomUUID } from 'node:crypto';
import {
  DuplicateEventError,
  EventNotFoundError,
  InvalidEventError,
  InvalidQueryError,
  LIFECYCLE_STREAM,
  StreamDeletedError,
  StreamProtectedError,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type EventStore,
  type NewEvent,
  type ReadScope,
  type Upcaster,
  type WriteContext,
} from '@gyroscops/event-store';

export interface ContractHarness {
  store: EventStore;
  /** Makes searches see everything written so far (Elasticsearch: refresh; in-memory: nothing). */
  settle(): Promise<void>;
  /** Builds another store with these upcasters on the same data. */
  withUpcasters(upcasters: Upcaster[]): Promise<EventStore>;
  cleanup(): Promise<void>;
}

export const orgA = 'org-a';
export const orgB = 'org-b';
export function writer(org = orgA, user = 'user-1', extra: Partial<WriteContext> = {}): WriteContext {
  return { correlationId: randomUUID(), causationId: null, userId: user, organizationId: org, source: 'test', isAdmin: false, ...extra };
}
export const reader = (org = orgA): ReadScope => ({ organizationId: org, isAdmin: false });
export const admin: ReadScope = { organizationId: 'ops', isAdmin: true };
export const ev = (eventType: string, eventData: Record<string, unknown> = {}, extra: Partial<NewEvent> = {}): NewEvent => ({
  eventType,
  eventData,
  ...extra,
});
const id = (p = 'agg') => `${p}-${randomUUID()}`;

/** The behaviour every adapter of the event store port must have. */
export function eventStoreContract(name: string, make: () => Promise<ContractHarness>): void {
  describe(`event store contract: ${name}`, () => {
    let h: ContractHarness;
    let store: EventStore;
    beforeAll(async () => {
      h = await make();
      store = h.store;
    });
    afterAll(async () => h?.cleanup());

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
        expect((await store.readStream(a, reader(), { direction: 'backward', maxCount: 3 })).events.map((e) => e.version)).toEqual([
          7, 6, 5,
        ]);
        expect((await store.readStream(a, reader(), { direction: 'backward', fromVersion: 2 })).events.map((e) => e.version)).toEqual([
          2, 1,
        ]);
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

    describe('when an admin soft-deletes a stream', () => {
      it('hides it from reads and search, lets it be recreated after its last version, and restores it', async () => {
        const a = id('soft');
        const admin = writer(orgA, 'ops-admin', { isAdmin: true });
        const first = ev('A1', { marker: a }, { eventId: randomUUID() });
        await store.appendToStream(a, [first, ev('A2')], {
          aggregateType: 'Thing',
          expectedVersion: 'no_stream',
          context: writer(),
        });
        const meta = await store.deleteStream(a, { mode: 'soft', reason: 'test', context: admin });
        expect(meta).toMatchObject({ deleted: 'soft', version: 2, firstVisibleVersion: 3 });
        await expect(store.readStream(a, reader())).rejects.toBeInstanceOf(StreamNotFoundError);
        await h.settle();
        expect((await store.search({ aggregateId: a }, reader())).total).toBe(0);
        // Recreated: versions go on after the deleted ones; the old ones stay hidden.
        const again = await store.appendToStream(a, [ev('B1')], {
          aggregateType: 'Thing',
          expectedVersion: 'no_stream',
          context: writer(),
        });
        expect(again.fromVersion).toBe(3);
        expect((await store.readStream(a, reader())).events.map((e) => e.eventType)).toEqual(['B1']);
        // A retry of an append the soft delete hid is refused, not answered with events nobody may read.
        await expect(
          store.appendToStream(a, [first], { aggregateType: 'Thing', expectedVersion: 'any', context: writer() }),
        ).rejects.toBeInstanceOf(DuplicateEventError);
        await store.restoreStream(a, { reason: 'mistake', context: admin });
        expect((await store.readStream(a, reader())).events.map((e) => e.eventType)).toEqual(['A1', 'A2', 'B1']);
        await h.settle();
        expect((await store.search({ aggregateId: a }, reader())).total).toBe(3);
        const audit = await store.readStream(LIFECYCLE_STREAM, admin);
        expect(
          audit.events.filter((e) => e.eventData.aggregateId === a).map((e) => [e.eventType, e.eventData.reason, e.metadata.userId]),
        ).toEqual([
          ['StreamSoftDeleted', 'test', 'ops-admin'],
          ['StreamRestored', 'mistake', 'ops-admin'],
        ]);
      });
    });

    describe('when an admin tries to delete or truncate the admin stream that records lifecycle changes', () => {
      it('refuses with StreamProtectedError and changes nothing', async () => {
        const admin = writer(orgA, 'ops-admin', { isAdmin: true });
        const a = id('audit');
        await store.appendToStream(a, [ev('A')], { aggregateType: 'Thing', expectedVersion: 'no_stream', context: writer() });
        await store.deleteStream(a, { mode: 'soft', reason: 'so the admin stream exists', context: admin });
        const before = await store.readStream(LIFECYCLE_STREAM, admin);
        for (const attempt of [
          () => store.deleteStream(LIFECYCLE_STREAM, { mode: 'hard', reason: 'x', context: admin }),
          () => store.setStreamRetention(LIFECYCLE_STREAM, { maxCount: 1 }, { reason: 'x', context: admin }),
          () => store.restoreStream(LIFECYCLE_STREAM, { reason: 'x', context: admin }),
        ]) {
          await expect(attempt()).rejects.toBeInstanceOf(StreamProtectedError);
        }
        expect((await store.readStream(LIFECYCLE_STREAM, admin)).version).toBe(before.version);
      });
    });

    describe('when an admin hard-deletes a stream', () => {
      it('refuses every later write with StreamDeletedError, hides it everywhere, and the global log stays readable past it', async () => {
        const a = id('hard');
        const admin = writer(orgA, 'ops-admin', { isAdmin: true });
        const before = await store.headPosition();
        const e = ev('A1', { secret: 'x' }, { eventId: randomUUID() });
        await store.appendToStream(a, [e, ev('A2')], { aggregateType: 'Thing', expectedVersion: 'no_stream', context: writer() });
        await store.deleteStream(a, { mode: 'hard', reason: 'erasure', context: admin });
        await expect(store.readStream(a, reader())).rejects.toBeInstanceOf(StreamNotFoundError);
        await expect(
          store.appendToStream(a, [ev('B')], { aggregateType: 'Thing', expectedVersion: 'any', context: writer() }),
        ).rejects.toBeInstanceOf(StreamDeletedError);
        await expect(store.getEvent(e.eventId as string, reader())).rejects.toBeInstanceOf(EventNotFoundError);
        await h.settle();
        expect((await store.search({ aggregateId: a }, admin)).total).toBe(0);
        const seen: string[] = [];
        let checkpoint = before;
        for (let i = 0; i < 60; i++) {
          const page = await store.readAll({ after: checkpoint, maxCount: 100 });
          seen.push(...page.events.map((x) => x.aggregateId));
          checkpoint = page.checkpoint;
          if (checkpoint >= page.head) break;
        }
        expect(seen).not.toContain(a);
        expect(checkpoint).toBeGreaterThanOrEqual(before + 2);
      });
    });

    describe('when a stream has retention', () => {
      it('reads honour maxCount and truncateBefore at once, and scavenging removes what they hide', async () => {
        const a = id('ret');
        const admin = writer(orgA, 'ops-admin', { isAdmin: true });
        await store.appendToStream(
          a,
          [1, 2, 3, 4, 5].map((n) => ev(`E${n}`)),
          { aggregateType: 'Thing', expectedVersion: 'no_stream', context: writer() },
        );
        await store.setStreamRetention(a, { maxCount: 3 }, { reason: 'keep 3', context: admin });
        expect((await store.readStream(a, reader())).events.map((e) => e.eventType)).toEqual(['E3', 'E4', 'E5']);
        await store.setStreamRetention(a, { truncateBefore: 5 }, { reason: 'from 5', context: admin });
        expect((await store.readStream(a, reader())).events.map((e) => e.eventType)).toEqual(['E5']);
        await store.setStreamRetention(a, {}, { reason: 'none', context: admin });
        expect((await store.readStream(a, reader())).events.map((e) => e.eventType)).toEqual(['E1', 'E2', 'E3', 'E4', 'E5']);
        await store.setStreamRetention(a, { maxCount: 2 }, { reason: 'keep 2', context: admin });
        const report = await store.scavenge();
        expect(report.eventsRemoved).toBeGreaterThanOrEqual(3);
        await store.setStreamRetention(a, {}, { reason: 'too late', context: admin });
        // What scavenging removed does not come back.
        expect((await store.readStream(a, reader())).events.map((e) => e.eventType)).toEqual(['E4', 'E5']);
        expect(await store.getStreamMetadata(a, reader())).toMatchObject({
          version: 5,
          firstVisibleVersion: 4,
          retention: {},
          deleted: null,
        });
      });
    });

    describe('when events carry personal data and a subject is erased', () => {
      it("reads show that subject's personal sections as erased everywhere, others' unchanged, and the erasure is recorded without personal data", async () => {
        const a = id('gdpr');
        const [alice, bob] = [`alice-${randomUUID()}`, `bob-${randomUUID()}`];
        const admin = writer(orgA, 'ops-admin', { isAdmin: true });
        const e1 = ev(
          'Registered',
          { plan: 'pro' },
          { eventId: randomUUID(), personal: { subjectId: alice, data: { email: `${alice}@example.org` } } },
        );
        const e2 = ev('Registered', { plan: 'free' }, { personal: { subjectId: bob, data: { email: `${bob}@example.org` } } });
        const r = await store.appendToStream(a, [e1, e2], { aggregateType: 'Account', expectedVersion: 'no_stream', context: writer() });
        expect(r.events.map((e) => e.personal)).toEqual([
          { subjectId: alice, data: { email: `${alice}@example.org` }, erased: false },
          { subjectId: bob, data: { email: `${bob}@example.org` }, erased: false },
        ]);
        await h.settle();
        expect((await store.search({ q: alice }, reader())).total).toBe(0);

        const report = await store.eraseSubject(alice, { reason: 'request #1', context: admin });
        expect(report).toMatchObject({ keyDeleted: true, streamsAffected: 1 });
        expect(report.subjectHash).toMatch(/^[0-9a-f]{64}$/);
        const read = await store.readStream(a, reader());
        expect(read.events.map((e) => e.personal)).toEqual([
          { subjectId: alice, data: null, erased: true },
          { subjectId: bob, data: { email: `${bob}@example.org` }, erased: false },
        ]);
        expect(read.events[0].eventData).toEqual({ plan: 'pro' });
        expect((await store.getEvent(e1.eventId as string, reader())).personal).toMatchObject({ data: null, erased: true });
        const fromLog = await store.readAll({ after: r.position - 2, maxCount: 10 });
        expect(fromLog.events.filter((e) => e.aggregateId === a).map((e) => e.personal?.erased)).toEqual([true, false]);
        const audit = await store.readStream(LIFECYCLE_STREAM, admin);
        const record = audit.events.find((e) => e.eventType === 'SubjectErased' && e.eventData.subjectHash === report.subjectHash);
        expect(record?.eventData).toMatchObject({ reason: 'request #1', streamsAffected: 1 });
        expect(JSON.stringify(record)).not.toContain(alice);
        expect((await store.eraseSubject(alice, { reason: 'again', context: admin })).keyDeleted).toBe(false);
      });
      it('refuses a personal section without a valid subject id', async () => {
        await expect(
          store.appendToStream(id(), [ev('X', {}, { personal: { subjectId: '', data: {} } })], {
            aggregateType: 'Thing',
            expectedVersion: 'any',
            context: writer(),
          }),
        ).rejects.toBeInstanceOf(InvalidEventError);
      });
    });

    describe('when reading the global log', () => {
      it('returns committed events once, in position order, from a checkpoint', async () => {
        const start = await store.headPosition();
        const a = id();
        const b = id();
        await store.appendToStream(a, [ev('A1'), ev('A2')], { aggregateType: 'Thing', expectedVersion: 'no_stream', context: writer() });
        await store.appendToStream(b, [ev('B1')], { aggregateType: 'Thing', expectedVersion: 'no_stream', context: writer(orgB) });
        await store.appendToStream(a, [ev('A3')], { aggregateType: 'Thing', expectedVersion: 2, context: writer() });
        const seen: string[] = [];
        let checkpoint = start;
        for (let i = 0; i < 20; i++) {
          const page = await store.readAll({ after: checkpoint, maxCount: 2 });
          seen.push(...page.events.filter((e) => e.aggregateId === a || e.aggregateId === b).map((e) => e.eventType));
          checkpoint = page.checkpoint;
          const positions = page.events.map((e) => e.position);
          expect(positions).toEqual([...positions].sort((x, y) => x - y));
          if (checkpoint >= page.head) break;
        }
        expect(seen).toEqual(['A1', 'A2', 'B1', 'A3']);
      });
      it('from a checkpoint inside a multi-event append, returns the rest of that append (runners stop mid-commit)', async () => {
        const a = id();
        const r = await store.appendToStream(a, [ev('M1'), ev('M2'), ev('M3')], {
          aggregateType: 'Thing',
          expectedVersion: 'no_stream',
          context: writer(),
        });
        const interior = r.events[0].position;
        const seen: string[] = [];
        let checkpoint = interior;
        // Long enough for a reader that mistakes the rest of the commit for a gap to time it out and fence it.
        for (let i = 0; i < 60 && checkpoint < r.position; i++) {
          const page = await store.readAll({ after: checkpoint, maxCount: 10 });
          seen.push(...page.events.filter((e) => e.aggregateId === a).map((e) => `${e.eventType}@${e.position}`));
          checkpoint = page.checkpoint;
          if (checkpoint < r.position) await new Promise((res) => setTimeout(res, 50));
        }
        expect(seen).toEqual([`M2@${r.events[1].position}`, `M3@${r.events[2].position}`]);
      });
    });

    describe('when querying events', () => {
      const corr = randomUUID();
      const agg = id('pay');
      beforeAll(async () => {
        const ctx = writer(orgA, 'bob', { correlationId: corr });
        await store.appendToStream(
          agg,
          [ev('PaymentProcessed', { amount: '10.00', currency: 'EUR', note: 'Invoice for Zephyr hosting' })],
          { aggregateType: 'Payment', expectedVersion: 'no_stream', context: ctx },
        );
        await store.appendToStream(agg, [ev('PaymentRefunded', { amount: '2.50', currency: 'EUR', reason: 'partial' })], {
          aggregateType: 'Payment',
          expectedVersion: 1,
          context: { ...ctx, causationId: 'cmd-refund' },
        });
        await h.settle();
      });
      it('finds by event type, aggregate, user, correlation, causation, data field and free text', async () => {
        const scope = reader();
        expect((await store.search({ aggregateId: agg, eventType: 'PaymentRefunded' }, scope)).total).toBe(1);
        expect((await store.search({ aggregateId: agg, userId: 'bob' }, scope)).total).toBe(2);
        expect((await store.search({ correlationId: corr }, scope)).total).toBe(2);
        expect((await store.search({ causationId: 'cmd-refund' }, scope)).events.map((e) => e.eventType)).toEqual(['PaymentRefunded']);
        expect(
          (await store.search({ aggregateId: agg, data: { currency: 'EUR', amount: '10.00' } }, scope)).events.map((e) => e.eventType),
        ).toEqual(['PaymentProcessed']);
        expect((await store.search({ q: 'zephyr HOSTING' }, scope)).events.map((e) => e.aggregateId)).toEqual([agg]);
        expect((await store.search({ q: 'zephyr "unbalanced ( AND OR * \\' }, scope)).total).toBe(0);
        expect((await store.search({ aggregateId: agg, from: new Date(Date.now() + 3_600_000) }, scope)).total).toBe(0);
      });
      it('sorts newest first by default and pages with a cursor', async () => {
        const p1 = await store.search({ aggregateId: agg, size: 1 }, reader());
        expect(p1.total).toBe(2);
        expect(p1.events[0].eventType).toBe('PaymentRefunded');
        const p2 = await store.search({ aggregateId: agg, size: 1, cursor: p1.nextCursor as string }, reader());
        expect(p2.events[0].eventType).toBe('PaymentProcessed');
        const p3 = await store.search({ aggregateId: agg, size: 1, cursor: p2.nextCursor as string }, reader());
        expect(p3.events).toEqual([]);
        expect(p3.nextCursor).toBeNull();
      });
      it('refuses a forged cursor and an inverted time range', async () => {
        await expect(store.search({ cursor: 'bm9wZQ' }, reader())).rejects.toBeInstanceOf(InvalidQueryError);
        await expect(store.search({ from: new Date(2025, 1, 2), to: new Date(2025, 1, 1) }, reader())).rejects.toBeInstanceOf(
          InvalidQueryError,
        );
      });
      it('reads a correlation oldest first and an event by id', async () => {
        const timeline = await store.readCorrelation(corr, reader());
        expect(timeline.map((e) => e.eventType)).toEqual(['PaymentProcessed', 'PaymentRefunded']);
        expect((await store.getEvent(timeline[1].eventId, reader())).eventData).toMatchObject({ reason: 'partial' });
        await expect(store.getEvent(randomUUID(), reader())).rejects.toBeInstanceOf(EventNotFoundError);
      });
    });

    describe('when using snapshots', () => {
      it('keeps the newest snapshot and hides it from other organizations', async () => {
        const a = id();
        await store.saveSnapshot({ aggregateId: a, aggregateType: 'Thing', version: 5, schemaVersion: 1, state: { total: 5 } }, reader());
        await store.saveSnapshot({ aggregateId: a, aggregateType: 'Thing', version: 3, schemaVersion: 1, state: { total: 3 } }, reader());
        expect(await store.loadSnapshot(a, reader())).toMatchObject({ version: 5, state: { total: 5 } });
        expect(await store.loadSnapshot(a, reader(orgB))).toBeNull();
      });
    });

    describe('when upcasters are registered', () => {
      it('transforms old events on read without rewriting them', async () => {
        const a = id();
        await store.appendToStream(a, [ev('PriceSet', { price: 12 })], {
          aggregateType: 'Thing',
          expectedVersion: 'no_stream',
          context: writer(),
        });
        const upcasting = await h.withUpcasters([
          { eventType: 'PriceSet', fromSchemaVersion: 1, upcast: (d) => ({ amount: String(d.price), currency: 'EUR' }) },
        ]);
        const e = (await upcasting.readStream(a, reader())).events[0];
        expect(e).toMatchObject({ schemaVersion: 2, eventData: { amount: '12', currency: 'EUR' } });
        expect((await store.readStream(a, reader())).events[0]).toMatchObject({ schemaVersion: 1, eventData: { price: 12 } });
      });
    });
  });
}
