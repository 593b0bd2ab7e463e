import type { StoredEvent } from '@gyroscops/event-store';
import { initialState, MAX_PARKED_KEPT } from './consumer-state';
import {
  acknowledge,
  appendScanned,
  DEFAULT_GROUP_SETTINGS,
  deliver,
  deliverable,
  GROUP_WINDOW,
  moveTo,
  refilter,
  refuse,
  replayParked,
  settle,
  skipParked,
  undeliver,
  windowRoom,
  type Backoff,
  type GroupDoc,
} from './consumer-group.state';
import { groupCounts } from './consumer-group-status';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const backoff: Backoff = (attempts) => attempts * 100;
let ids = 0;
const newId = () => `d${++ids}`;

function group(settings: Partial<typeof DEFAULT_GROUP_SETTINGS> = {}): GroupDoc {
  return {
    ...initialState('group', 'org-a/g', 1, 0),
    group: {
      organizationId: 'org-a',
      allOrganizations: false,
      filter: {},
      settings: { ...DEFAULT_GROUP_SETTINGS, ackTimeoutMs: 1000, maxAttempts: 3, ...settings },
      createdAt: '',
      updatedAt: '',
      scannedTo: 0,
      pending: [],
      consumers: {},
      delivered: 0,
      redelivered: 0,
      acked: 0,
      nacked: 0,
      lapsed: 0,
    },
  };
}

const ev = (position: number, aggregateId: string): StoredEvent =>
  ({ position, aggregateId, eventId: `e${position}`, eventType: 'Happened' }) as StoredEvent;

/** A group that has read positions 1..to, finding `events`. */
const scanned = (events: StoredEvent[], to: number, doc = group()) => appendScanned(doc, doc.group.scannedTo, events, to);

describe('a consumer group’s delivery state', () => {
  describe('when the runner reads the log', () => {
    it('keeps the matching events pending and the checkpoint just before the first of them', () => {
      const doc = scanned([ev(3, 'a'), ev(7, 'b')], 10);
      expect(doc.group.pending.map((p) => p.position)).toEqual([3, 7]);
      expect(doc.checkpoint).toBe(2);
      expect(doc.group.scannedTo).toBe(10);
    });

    it('moves the checkpoint past filtered-out positions when nothing matched', () => {
      expect(scanned([], 50).checkpoint).toBe(50);
    });

    it('ignores a read that started before the group was moved', () => {
      const moved = moveTo(scanned([ev(3, 'a')], 10), 100);
      expect(appendScanned(moved, 10, [ev(12, 'a')], 20)).toBe(moved);
    });

    it('has room for GROUP_WINDOW pending events', () => {
      const doc = scanned([ev(1, 'a'), ev(2, 'b')], 2);
      expect(windowRoom(doc.group)).toBe(GROUP_WINDOW - 2);
    });
  });

  describe('when consumers fetch', () => {
    it('hands out only the first pending event of each aggregate, oldest first', () => {
      const doc = scanned([ev(1, 'a'), ev(2, 'a'), ev(3, 'b'), ev(4, 'c'), ev(5, 'b')], 5);
      expect(deliverable(doc.group, 10, T0).map((p) => p.position)).toEqual([1, 3, 4]);
      expect(deliverable(doc.group, 2, T0).map((p) => p.position)).toEqual([1, 3]);
    });

    it('never hands an event in flight to a second consumer, nor the next event of its aggregate', () => {
      const doc = scanned([ev(1, 'a'), ev(2, 'a'), ev(3, 'b')], 3);
      const first = deliver(doc, deliverable(doc.group, 1, T0), 'c1', T0, newId);
      expect(first.deliveries.map((d) => d.position)).toEqual([1]);
      expect(deliverable(first.doc.group, 10, T0 + 10).map((p) => p.position)).toEqual([3]);
    });

    it('lets the next event of an aggregate through once the previous one is acknowledged', () => {
      const doc = scanned([ev(1, 'a'), ev(2, 'a')], 2);
      const d = deliver(doc, deliverable(doc.group, 10, T0), 'c1', T0, newId);
      const acked = acknowledge(d.doc, [d.deliveries[0].deliveryId], 'c1', T0 + 5);
      expect(acked.acked).toEqual([d.deliveries[0].deliveryId]);
      expect(acked.doc.checkpoint).toBe(1);
      expect(deliverable(acked.doc.group, 10, T0 + 5).map((p) => p.position)).toEqual([2]);
    });

    it('reports an unknown or superseded delivery as stale and changes nothing', () => {
      const doc = scanned([ev(1, 'a')], 1);
      const d = deliver(doc, deliverable(doc.group, 10, T0), 'c1', T0, newId);
      const out = acknowledge(d.doc, ['nope'], 'c1', T0);
      expect(out).toMatchObject({ acked: [], stale: ['nope'] });
      expect(out.doc).toBe(d.doc);
    });

    it('gives deliveries back uncounted when the consumer left before receiving them', () => {
      const doc = scanned([ev(1, 'a')], 1);
      const d = deliver(doc, deliverable(doc.group, 10, T0), 'c1', T0, newId);
      const back = undeliver(d.doc, [d.deliveries[0].deliveryId]);
      expect(back.group.pending[0]).toMatchObject({ state: 'ready', attempts: 0, deliveryId: null });
      expect(deliverable(back.group, 10, T0).map((p) => p.position)).toEqual([1]);
    });
  });

  describe('when a delivery lapses', () => {
    it('retries the event after the backoff and counts the attempt', () => {
      const doc = scanned([ev(1, 'a')], 1);
      const d = deliver(doc, deliverable(doc.group, 10, T0), 'c1', T0, newId);
      const lapsed = settle(d.doc, T0 + 1000, backoff);
      expect(lapsed.changed).toBe(true);
      expect(lapsed.doc.group.pending[0]).toMatchObject({ state: 'retry', attempts: 1, notBefore: T0 + 1100 });
      expect(deliverable(lapsed.doc.group, 10, T0 + 1099)).toEqual([]);
      const again = deliver(lapsed.doc, deliverable(lapsed.doc.group, 10, T0 + 1100), 'c2', T0 + 1100, newId);
      expect(again.deliveries[0]).toMatchObject({ attempt: 2 });
      expect(again.doc.group.redelivered).toBe(1);
    });

    it('still honours a late acknowledgement while nobody else has the event', () => {
      const doc = scanned([ev(1, 'a')], 1);
      const d = deliver(doc, deliverable(doc.group, 10, T0), 'c1', T0, newId);
      const lapsed = settle(d.doc, T0 + 1000, backoff).doc;
      expect(acknowledge(lapsed, [d.deliveries[0].deliveryId], 'c1', T0 + 1001).acked).toHaveLength(1);
      const redelivered = deliver(lapsed, deliverable(lapsed.group, 10, T0 + 2000), 'c2', T0 + 2000, newId).doc;
      expect(acknowledge(redelivered, [d.deliveries[0].deliveryId], 'c1', T0 + 2001).stale).toHaveLength(1);
    });

    it('parks the event after maxAttempts deliveries and lets its aggregate go on', () => {
      let doc = scanned([ev(1, 'a'), ev(2, 'a')], 2);
      let now = T0;
      for (let attempt = 1; attempt <= 3; attempt++) {
        doc = deliver(doc, deliverable(doc.group, 1, now), 'c1', now, newId).doc;
        now += 10_000;
        doc = settle(doc, now, backoff).doc;
        now += 1000;
      }
      expect(doc.parked).toEqual([expect.objectContaining({ eventId: 'e1', position: 1, attempts: 3 })]);
      expect(doc.parkedCount).toBe(1);
      expect(doc.checkpoint).toBe(1);
      expect(deliverable(doc.group, 10, now).map((p) => p.position)).toEqual([2]);
    });
  });

  describe('when a consumer refuses a delivery', () => {
    it('retries it after the backoff, then parks it after maxAttempts', () => {
      let doc = scanned([ev(1, 'a')], 1);
      let now = T0;
      for (let attempt = 1; attempt <= 2; attempt++) {
        const d = deliver(doc, deliverable(doc.group, 1, now), 'c1', now, newId);
        const r = refuse(d.doc, [d.deliveries[0].deliveryId], 'c1', now, backoff, { reason: 'boom' });
        expect(r.retried).toHaveLength(1);
        doc = r.doc;
        now += 1000;
      }
      const d = deliver(doc, deliverable(doc.group, 1, now), 'c1', now, newId);
      const r = refuse(d.doc, [d.deliveries[0].deliveryId], 'c1', now, backoff, { reason: 'boom' });
      expect(r.parked).toHaveLength(1);
      expect(r.doc.parked[0]).toMatchObject({ error: 'refused: boom', attempts: 3 });
      expect(r.doc.group.pending).toEqual([]);
      expect(r.doc.checkpoint).toBe(1);
    });

    it('parks it at once when asked to', () => {
      const doc = scanned([ev(1, 'a')], 1);
      const d = deliver(doc, deliverable(doc.group, 1, T0), 'c1', T0, newId);
      expect(refuse(d.doc, [d.deliveries[0].deliveryId], 'c1', T0, backoff, { park: true }).parked).toHaveLength(1);
    });

    it('keeps retrying instead of parking while the parked list is full, so nothing is dropped', () => {
      const full = scanned([ev(1, 'a')], 1);
      full.parked = Array.from({ length: MAX_PARKED_KEPT }, (_, i) => ({
        eventId: `old${i}`,
        eventType: 'X',
        aggregateId: 'z',
        position: 0,
        error: 'x',
        attempts: 1,
        parkedAt: '',
      }));
      const d = deliver(full, deliverable(full.group, 1, T0), 'c1', T0, newId);
      const r = refuse(d.doc, [d.deliveries[0].deliveryId], 'c1', T0, backoff, { park: true });
      expect(r.retried).toHaveLength(1);
      expect(r.doc.group.pending[0]).toMatchObject({ state: 'retry', notBefore: T0 + DEFAULT_GROUP_SETTINGS.retryMaxMs });
    });
  });

  describe('parked events', () => {
    function parkedDoc(): GroupDoc {
      const doc = scanned([ev(1, 'a'), ev(2, 'b')], 5);
      const d = deliver(doc, deliverable(doc.group, 1, T0), 'c1', T0, newId);
      return refuse(d.doc, [d.deliveries[0].deliveryId], 'c1', T0, backoff, { park: true }).doc;
    }

    it('replays one at the front of the group without holding the checkpoint back', () => {
      const replayed = replayParked(parkedDoc(), 'e1') as GroupDoc;
      expect(replayed.parked).toEqual([]);
      expect(replayed.group.pending.map((p) => [p.position, p.replay, p.attempts])).toEqual([
        [1, true, 0],
        [2, false, 0],
      ]);
      expect(replayed.checkpoint).toBe(1);
      expect(deliverable(replayed.group, 10, T0).map((p) => p.position)).toEqual([1, 2]);
    });

    it('skips one for good', () => {
      const skipped = skipParked(parkedDoc(), 'e1') as GroupDoc;
      expect(skipped.parked).toEqual([]);
      expect(skipped.parkedCount).toBe(1);
      expect(skipped.group.pending.map((p) => p.position)).toEqual([2]);
    });

    it('answers null for an event that is not parked', () => {
      expect(replayParked(parkedDoc(), 'e2')).toBeNull();
      expect(skipParked(parkedDoc(), 'e9')).toBeNull();
    });
  });

  describe('when the group is moved or its filter changes', () => {
    it('drops pending and in-flight events and reads again from the new position', () => {
      const doc = scanned([ev(1, 'a'), ev(2, 'b')], 9);
      const d = deliver(doc, deliverable(doc.group, 10, T0), 'c1', T0, newId);
      const moved = moveTo(d.doc, 0);
      expect(moved.group.pending).toEqual([]);
      expect(moved.checkpoint).toBe(0);
      expect(acknowledge(moved, [d.deliveries[0].deliveryId], 'c1', T0).stale).toHaveLength(1);
    });

    it('re-reads from the checkpoint with the new filter', () => {
      const doc = scanned([ev(4, 'a'), ev(6, 'b')], 9);
      const next = refilter(doc, { eventTypes: ['Other'] });
      expect(next.group).toMatchObject({ scannedTo: 3, pending: [], filter: { eventTypes: ['Other'] } });
      expect(next.checkpoint).toBe(3);
    });
  });

  it('counts ready, in-flight (deadline not passed) and retrying events', () => {
    const doc = scanned([ev(1, 'a'), ev(2, 'b'), ev(3, 'c')], 3);
    const d = deliver(doc, deliverable(doc.group, 2, T0), 'c1', T0, newId);
    expect(groupCounts(d.doc.group, T0 + 1)).toEqual({ pending: 3, ready: 1, inFlight: 2, retrying: 0 });
    expect(groupCounts(d.doc.group, T0 + 1000)).toEqual({ pending: 3, ready: 1, inFlight: 0, retrying: 2 });
  });
});
