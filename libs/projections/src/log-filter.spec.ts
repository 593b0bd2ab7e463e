import { InMemoryEventStore, type AllSlice, type EventStore, type ReadAllOptions, type StoredEvent } from '@gyroscops/event-store';
import { logEventMatcher, readFilteredLog } from './log-filter';

const ctx = (organizationId: string) => ({
  correlationId: 'c',
  causationId: null,
  userId: 'u',
  organizationId,
  source: 'test',
  isAdmin: false,
});

async function seed(store: InMemoryEventStore): Promise<void> {
  // Positions 1..12: org-a orders and payments interleaved with org-b orders.
  for (let i = 1; i <= 4; i++) {
    await store.appendToStream(`order-${i}`, [{ eventType: 'OrderPlaced', eventData: { i } }], {
      aggregateType: 'Order',
      expectedVersion: 'any',
      context: ctx('org-a'),
    });
    await store.appendToStream(`pay-${i}`, [{ eventType: 'PaymentCaptured', eventData: { i } }], {
      aggregateType: 'Payment',
      expectedVersion: 'any',
      context: ctx('org-a'),
    });
    await store.appendToStream(`order-b${i}`, [{ eventType: 'OrderPlaced', eventData: { i } }], {
      aggregateType: 'Order',
      expectedVersion: 'any',
      context: ctx('org-b'),
    });
  }
}

/** Counts the log positions a reader is handed, to show that a sparse filter does not rescan. */
function counting(store: EventStore): { store: Pick<EventStore, 'readAll'>; examined: () => number } {
  let examined = 0;
  return {
    store: {
      readAll: async (o: ReadAllOptions): Promise<AllSlice> => {
        const slice = await store.readAll(o);
        examined += slice.events.length;
        return slice;
      },
    },
    examined: () => examined,
  };
}

describe('logEventMatcher', () => {
  const event = (over: Partial<StoredEvent>): StoredEvent =>
    ({
      eventId: 'e',
      aggregateId: 'order-1',
      aggregateType: 'Order',
      eventType: 'OrderPlaced',
      eventData: {},
      version: 1,
      position: 1,
      timestamp: '',
      correlationId: 'c',
      causationId: null,
      schemaVersion: 1,
      metadata: { userId: 'u', organizationId: 'org-a', source: 'test' },
      ...over,
    }) as StoredEvent;

  it('shows a non-admin only its organization’s events, and an admin every organization’s', () => {
    const other = event({ metadata: { userId: 'u', organizationId: 'org-b', source: 'test' } });
    expect(logEventMatcher({}, { organizationId: 'org-a', isAdmin: false })(other)).toBe(false);
    expect(logEventMatcher({}, { organizationId: 'org-a', isAdmin: false })(event({}))).toBe(true);
    expect(logEventMatcher({}, { organizationId: 'ops', isAdmin: true })(other)).toBe(true);
  });

  it('narrows by any of several event types, the aggregate type and an aggregate id prefix', () => {
    const admin = { organizationId: 'ops', isAdmin: true };
    expect(logEventMatcher({ eventTypes: ['A', 'OrderPlaced'] }, admin)(event({}))).toBe(true);
    expect(logEventMatcher({ eventTypes: ['A'] }, admin)(event({}))).toBe(false);
    expect(logEventMatcher({ eventTypes: [] }, admin)(event({}))).toBe(true);
    expect(logEventMatcher({ aggregateType: 'Payment' }, admin)(event({}))).toBe(false);
    expect(logEventMatcher({ aggregateIdPrefix: 'order-' }, admin)(event({}))).toBe(true);
    expect(logEventMatcher({ aggregateIdPrefix: 'pay-' }, admin)(event({}))).toBe(false);
  });
});

describe('readFilteredLog', () => {
  let store: InMemoryEventStore;
  beforeEach(async () => {
    store = new InMemoryEventStore();
    await seed(store);
  });

  const orgA = { organizationId: 'org-a', isAdmin: false };

  it('returns the matching events in position order and a checkpoint past the filtered-out ones', async () => {
    const page = await readFilteredLog(store, logEventMatcher({ eventTypes: ['PaymentCaptured'] }, orgA), { after: 0, limit: 100 });
    expect(page.events.map((e) => e.position)).toEqual([2, 5, 8, 11]);
    // Position 12 (org-b) is examined and passed: a reader resuming from the checkpoint does not read it again.
    expect(page).toMatchObject({ checkpoint: 12, head: 12 });
  });

  it('stops just before the next matching event when the limit is reached', async () => {
    const first = await readFilteredLog(store, logEventMatcher({ aggregateType: 'Order' }, orgA), { after: 0, limit: 2 });
    expect(first.events.map((e) => e.position)).toEqual([1, 4]);
    expect(first.checkpoint).toBe(6);
    const second = await readFilteredLog(store, logEventMatcher({ aggregateType: 'Order' }, orgA), { after: first.checkpoint, limit: 2 });
    expect(second.events.map((e) => e.position)).toEqual([7, 10]);
    expect(second.checkpoint).toBe(12);
  });

  it('pages through the whole log without a gap or a duplicate, whatever the page size', async () => {
    const all: number[] = [];
    let after = 0;
    for (let i = 0; i < 20; i++) {
      const page = await readFilteredLog(store, logEventMatcher({}, orgA), { after, limit: 3, pageSize: 2 });
      all.push(...page.events.map((e) => e.position));
      after = page.checkpoint;
      if (page.checkpoint >= page.head) break;
    }
    expect(all).toEqual([1, 2, 4, 5, 7, 8, 10, 11]);
  });

  it('answers a sparse filter after examining at most maxScanned events, then resumes where it stopped', async () => {
    const { store: reader, examined } = counting(store);
    const matcher = logEventMatcher({ aggregateIdPrefix: 'pay-4' }, orgA);
    const first = await readFilteredLog(reader, matcher, { after: 0, limit: 10, maxScanned: 4, pageSize: 2 });
    expect(first.events).toEqual([]);
    expect(first.checkpoint).toBe(4);
    const second = await readFilteredLog(reader, matcher, { after: first.checkpoint, limit: 10, maxScanned: 100, pageSize: 2 });
    expect(second.events.map((e) => e.aggregateId)).toEqual(['pay-4']);
    expect(second.checkpoint).toBe(12);
    expect(examined()).toBe(12);
  });
});
