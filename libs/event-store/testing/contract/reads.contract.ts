import { randomUUID } from 'node:crypto';
import { EventNotFoundError, InvalidQueryError, type EventStore } from '@gyroscops/event-store';
import { orgA, orgB, writer, reader, ev, id, type ContractHarness, type HarnessOf } from './contract-fixtures';

/** The event store contract: the global log, search, snapshots and upcasting. */
export function readContract(harness: HarnessOf): void {
  let h: ContractHarness;
  let store: EventStore;
  beforeAll(() => {
    h = harness();
    store = h.store;
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
      await store.appendToStream(agg, [ev('PaymentProcessed', { amount: '10.00', currency: 'EUR', note: 'Invoice for Zephyr hosting' })], {
        aggregateType: 'Payment',
        expectedVersion: 'no_stream',
        context: ctx,
      });
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
}
