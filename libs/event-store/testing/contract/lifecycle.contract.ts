import { randomUUID } from 'node:crypto';
import {
  DuplicateEventError,
  EventNotFoundError,
  InvalidEventError,
  LIFECYCLE_STREAM,
  StreamDeletedError,
  StreamProtectedError,
  StreamNotFoundError,
  type EventStore,
} from '@gyroscops/event-store';
import { orgA, writer, reader, ev, id, type ContractHarness, type HarnessOf } from './contract-fixtures';

/** The event store contract: deletion, the protected admin stream, retention and erasure of personal data. */
export function lifecycleContract(harness: HarnessOf): void {
  let h: ContractHarness;
  let store: EventStore;
  beforeAll(() => {
    h = harness();
    store = h.store;
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
}
