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

  describe('when the store has a telemetry retention for some event types', () => {
    /** Every event of `a` the global log hands out from `after` on, reading until the checkpoint reaches the head. */
    async function logVersionsOf(s: EventStore, a: string, after: number): Promise<number[]> {
      const seen: number[] = [];
      let checkpoint = after;
      for (;;) {
        const slice = await s.readAll({ after: checkpoint, maxCount: 2 });
        seen.push(...slice.events.filter((e) => e.aggregateId === a).map((e) => e.version));
        // Gap-safe and never stalled: every call moves on until the head, expired telemetry or not.
        expect(slice.checkpoint).toBeGreaterThanOrEqual(checkpoint);
        if (slice.checkpoint >= slice.head) return seen;
        expect(slice.checkpoint).toBeGreaterThan(checkpoint);
        checkpoint = slice.checkpoint;
      }
    }
    const versions = (events: { version: number }[]) => events.map((e) => e.version);

    it('hides expired telemetry in the middle of streams from every read at once, and scavenging removes it from disk', async () => {
      let now = Date.now();
      const clock = () => new Date(now);
      const telemetry = await h.withOptions({ clock, telemetryRetention: { Heartbeat: 3600, MetricSampled: 86_400 } });
      const a = id('telemetry');
      const before = await telemetry.headPosition();
      const beat = ev('Heartbeat', { seq: 1 }, { eventId: randomUUID() });
      await telemetry.appendToStream(a, [ev('Started'), beat, ev('MetricSampled', { cpu: 0.5 }), ev('Heartbeat', { seq: 2 }), ev('Done')], {
        aggregateType: 'Machine',
        expectedVersion: 'no_stream',
        context: writer(),
      });
      now += 2 * 3600_000; // two hours on: the heartbeats are past their hour, the metric sample is within its day
      await telemetry.appendToStream(a, [ev('Heartbeat', { seq: 3 })], { aggregateType: 'Machine', expectedVersion: 5, context: writer() });

      const slice = await telemetry.readStream(a, reader());
      expect(slice.version).toBe(6);
      expect(slice.events.map((e) => [e.version, e.eventType])).toEqual([
        [1, 'Started'],
        [3, 'MetricSampled'],
        [5, 'Done'],
        [6, 'Heartbeat'],
      ]);
      // maxCount counts what is shown, in either direction.
      expect(versions((await telemetry.readStream(a, reader(), { maxCount: 2 })).events)).toEqual([1, 3]);
      expect(versions((await telemetry.readStream(a, reader(), { fromVersion: 2, maxCount: 1 })).events)).toEqual([3]);
      expect(versions((await telemetry.readStream(a, reader(), { direction: 'backward', fromVersion: 4, maxCount: 2 })).events)).toEqual([
        3, 1,
      ]);
      await expect(telemetry.getEvent(beat.eventId as string, reader())).rejects.toBeInstanceOf(EventNotFoundError);
      await h.settle();
      const found = await telemetry.search({ aggregateId: a, sort: 'asc' }, reader());
      expect(found.total).toBe(4);
      expect(versions(found.events)).toEqual([1, 3, 5, 6]);
      expect((await telemetry.search({ eventType: 'Heartbeat', aggregateId: a }, reader())).total).toBe(1);
      expect(await logVersionsOf(telemetry, a, before)).toEqual([1, 3, 5, 6]);
      // A read rule until scavenged: a store without the retention still reads them.
      expect(versions((await store.readStream(a, reader())).events)).toEqual([1, 2, 3, 4, 5, 6]);

      const progress: number[] = [];
      const report = await telemetry.scavenge({ onProgress: (p) => progress.push(p.telemetryEventsRemoved) });
      expect(report.telemetryEventsRemoved).toBe(2);
      expect(report.eventsRemoved).toBeGreaterThanOrEqual(2);
      expect(report.streamsScavenged).toBeGreaterThanOrEqual(1);
      expect(progress[progress.length - 1]).toBe(2);
      // Gone from disk: even a store without the retention no longer finds them, and reads the versions around them
      // (hidden versions are not lost ones), from the stream, by id, in search and in the log.
      expect(versions((await store.readStream(a, reader())).events)).toEqual([1, 3, 5, 6]);
      await expect(store.getEvent(beat.eventId as string, reader())).rejects.toBeInstanceOf(EventNotFoundError);
      await h.settle();
      expect((await store.search({ aggregateId: a }, reader())).total).toBe(4);
      expect(await logVersionsOf(store, a, before)).toEqual([1, 3, 5, 6]);
      expect((await telemetry.scavenge()).telemetryEventsRemoved).toBe(0);

      now += 86_400_000; // a day on: the metric sample and the last heartbeat expire too
      expect(versions((await telemetry.readStream(a, reader())).events)).toEqual([1, 5]);
      expect(await logVersionsOf(telemetry, a, before)).toEqual([1, 5]);
      expect((await telemetry.scavenge()).telemetryEventsRemoved).toBe(2);
      expect(versions((await store.readStream(a, reader())).events)).toEqual([1, 5]);
      // The stream goes on after its last version, and per-stream retention still composes with it.
      const next = await telemetry.appendToStream(a, [ev('Restarted')], {
        aggregateType: 'Machine',
        expectedVersion: 6,
        context: writer(),
      });
      expect(next.fromVersion).toBe(7);
      const admin = writer(orgA, 'ops-admin', { isAdmin: true });
      await telemetry.setStreamRetention(a, { maxCount: 3 }, { reason: 'keep 3', context: admin });
      expect(versions((await telemetry.readStream(a, reader())).events)).toEqual([5, 7]);
      await telemetry.scavenge();
      expect(versions((await store.readStream(a, reader())).events)).toEqual([5, 7]);
    });

    it('never hides the admin stream that records lifecycle changes', async () => {
      const telemetry = await h.withOptions({
        telemetryRetention: { StreamRetentionSet: 1 },
        clock: () => new Date(Date.now() + 3600_000),
      });
      const a = id('telemetry-audit');
      const admin = writer(orgA, 'ops-admin', { isAdmin: true });
      await store.appendToStream(a, [ev('A1')], { aggregateType: 'Thing', expectedVersion: 'no_stream', context: writer() });
      await store.setStreamRetention(a, { maxCount: 5 }, { reason: 'audit me', context: admin });
      const audit = await telemetry.readStream(LIFECYCLE_STREAM, admin);
      expect(audit.events.some((e) => e.eventType === 'StreamRetentionSet' && e.eventData.aggregateId === a)).toBe(true);
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
    it('keeps no snapshot saved after the erasure from a state folded before it, when the snapshot names its subjects', async () => {
      const a = id('gdpr-late');
      const carol = `carol-${randomUUID()}`;
      const admin = writer(orgA, 'ops-admin', { isAdmin: true });
      await store.appendToStream(a, [ev('Registered', {}, { personal: { subjectId: carol, data: { email: `${carol}@example.org` } } })], {
        aggregateType: 'Account',
        expectedVersion: 'no_stream',
        context: writer(),
      });
      // A command loaded the stream (carol's data open), then the erasure ran, then the command saves its snapshot.
      const folded = (await store.readStream(a, reader())).events[0].personal?.data;
      await store.eraseSubject(carol, { reason: 'request #2', context: admin });
      await store.saveSnapshot(
        { aggregateId: a, aggregateType: 'Account', version: 1, schemaVersion: 1, state: { folded }, subjects: [carol] },
        reader(),
      );
      expect(await store.loadSnapshot(a, reader())).toBeNull();
      // A snapshot naming only subjects that were not erased is kept, and says whose data it holds.
      const dave = `dave-${randomUUID()}`;
      const b = id('gdpr-kept');
      await store.appendToStream(b, [ev('Registered', {}, { personal: { subjectId: dave, data: { email: `${dave}@example.org` } } })], {
        aggregateType: 'Account',
        expectedVersion: 'no_stream',
        context: writer(),
      });
      await store.saveSnapshot(
        { aggregateId: b, aggregateType: 'Account', version: 1, schemaVersion: 1, state: {}, subjects: [dave] },
        reader(),
      );
      expect(await store.loadSnapshot(b, reader())).toMatchObject({ version: 1, subjects: [dave] });
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
