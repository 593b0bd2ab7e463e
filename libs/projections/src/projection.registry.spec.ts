import type { StoredEvent } from '@gyroscops/event-store';
import { ProjectionRegistry } from './projection.registry';
import type { ProjectionDefinition, SagaDefinition } from './projection.definition';
import { sagaRequestContext } from './saga-runner';

const projection = (name: string): ProjectionDefinition<{ n: number }> => ({
  name,
  version: 1,
  eventTypes: ['A'],
  idOf: (e) => e.aggregateId,
  evolve: (doc) => ({ n: (doc?.n ?? 0) + 1 }),
});
const saga = (name: string): SagaDefinition => ({ name, eventTypes: ['A'], handle: async () => undefined });

describe('registering projections and sagas', () => {
  it('keeps them by name and tells listeners about later registrations', () => {
    const registry = new ProjectionRegistry();
    const seen: string[] = [];
    registry.onRegistered((r) => seen.push(`${r.kind}:${r.def.name}`));
    registry.register(projection('invoices'));
    registry.registerSaga(saga('billing'));
    registry.registerLazySaga(() => saga('late'));
    registry.resolveLazy();
    expect(registry.projections().map((p) => p.name)).toEqual(['invoices']);
    expect(registry.sagas().map((s) => s.name)).toEqual(['billing', 'late']);
    expect(seen).toEqual(['projection:invoices', 'saga:billing', 'saga:late']);
  });

  it('refuses two different definitions with one name, and accepts the same one twice', () => {
    const registry = new ProjectionRegistry();
    const p = projection('invoices');
    registry.register(p);
    registry.register(p);
    expect(() => registry.register(projection('invoices'))).toThrow('already registered');
  });

  it.each(['Invoices', 'in voices', '-x', 'a--b', 'x'.repeat(65), ''])('refuses the name %j', (name) => {
    expect(() => new ProjectionRegistry().register(projection(name))).toThrow('Invalid projection name');
  });

  it('refuses a projection without event types or with a bad version', () => {
    expect(() => new ProjectionRegistry().register({ ...projection('a'), eventTypes: [] })).toThrow('eventTypes');
    expect(() => new ProjectionRegistry().register({ ...projection('a'), version: 0 })).toThrow('version');
  });
});

describe('the context a saga reaction runs in', () => {
  it('continues the correlation of the triggering event, caused by it, as the saga, in its organization', () => {
    const event = {
      eventId: 'e-1',
      correlationId: 'corr-1',
      metadata: { organizationId: 'org-a', userId: 'u', source: 'api' },
    } as unknown as StoredEvent;
    expect(sagaRequestContext('billing', event)).toEqual({
      correlationId: 'corr-1',
      causationId: 'e-1',
      userId: 'saga:billing',
      organizationId: 'org-a',
      roles: ['writer'],
      source: 'saga',
    });
  });
});
