import type { StoredEvent } from '@gyroscops/event-store';
import { idsOf, planBatch, type StoredReadModel } from './fold';
import type { ProjectionDefinition } from './projection.definition';

interface Counter {
  id: string;
  count: number;
  organizationId?: string;
}

let position = 0;
function event(eventType: string, aggregateId: string, eventData: Record<string, unknown> = {}, org = 'org-a'): StoredEvent {
  position++;
  return {
    eventId: `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`,
    aggregateId,
    aggregateType: 'Thing',
    eventType,
    eventData,
    version: 1,
    position,
    timestamp: new Date(0).toISOString(),
    correlationId: 'c',
    causationId: null,
    schemaVersion: 1,
    metadata: { userId: 'u', organizationId: org, source: 'test' },
  };
}

const counters: ProjectionDefinition<Counter> = {
  name: 'counters',
  version: 1,
  eventTypes: ['Added', 'Removed', 'Broken'],
  idOf: (e) => e.aggregateId,
  evolve: (doc, e) => {
    if (e.eventType === 'Broken') throw new Error('cannot apply Broken');
    if (e.eventType === 'Removed') return null;
    return { id: e.aggregateId, count: (doc?.count ?? 0) + 1 };
  },
};
const def = counters as unknown as ProjectionDefinition<object>;

function plan(events: StoredEvent[], current: Map<string, StoredReadModel> = new Map()) {
  const { ids, failure } = idsOf(def, events);
  expect(failure).toBeNull();
  return planBatch(def, events, ids, current);
}

describe('folding a batch into read-model writes', () => {
  beforeEach(() => (position = 0));

  describe('when several events touch one document', () => {
    it('writes it once, versioned by its last event, stamped with the organization', () => {
      const p = plan([event('Added', 'a'), event('Added', 'b'), event('Added', 'a')]);
      expect(p.writes).toEqual([
        { id: 'a', position: 3, firstPosition: 1, body: { id: 'a', count: 2, organizationId: 'org-a', _position: 3 } },
        { id: 'b', position: 2, firstPosition: 2, body: { id: 'b', count: 1, organizationId: 'org-a', _position: 2 } },
      ]);
      expect(p.applied).toBe(3);
    });
  });

  describe('when the batch is delivered again', () => {
    it('skips the events a document has already applied', () => {
      const events = [event('Added', 'a'), event('Added', 'a'), event('Added', 'a')];
      const current = new Map<string, StoredReadModel>([['a', { id: 'a', count: 2, organizationId: 'org-a', _position: 2 }]]);
      const p = plan(events, current);
      expect(p.writes).toEqual([
        { id: 'a', position: 3, firstPosition: 3, body: { id: 'a', count: 3, organizationId: 'org-a', _position: 3 } },
      ]);
    });

    it('writes nothing when every event is already applied', () => {
      const events = [event('Added', 'a')];
      expect(plan(events, new Map([['a', { id: 'a', count: 1, _position: 1 }]])).writes).toEqual([]);
    });
  });

  describe('when evolve returns null', () => {
    it('leaves a tombstone that remembers the position, and a later event starts afresh', () => {
      const p = plan([event('Added', 'a'), event('Removed', 'a')]);
      expect(p.writes).toEqual([
        { id: 'a', position: 2, firstPosition: 1, body: { _position: 2, _deleted: true, organizationId: 'org-a' } },
      ]);
      const again = plan([event('Added', 'a')], new Map([['a', p.writes[0].body]]));
      expect(again.writes[0].body).toEqual({ id: 'a', count: 1, organizationId: 'org-a', _position: 3 });
    });
  });

  describe('when evolve throws on an event', () => {
    it('writes only what came before it and names that event', () => {
      const events = [event('Added', 'a'), event('Added', 'b'), event('Broken', 'b'), event('Added', 'a')];
      const p = plan(events);
      expect(p.failure).toMatchObject({ position: 3, eventId: events[2].eventId });
      expect(p.writes.map((w) => [w.id, w.position])).toEqual([
        ['a', 1],
        ['b', 2],
      ]);
    });
  });

  describe('when idOf returns an unusable id', () => {
    it('reports the event', () => {
      const bad = { ...def, idOf: (e: StoredEvent) => (e.position === 2 ? '' : e.aggregateId) } as ProjectionDefinition<object>;
      const { failure } = idsOf(bad, [event('Added', 'a'), event('Added', 'b')]);
      expect(failure?.position).toBe(2);
    });
  });
});
