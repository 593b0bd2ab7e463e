import { randomUUID } from 'node:crypto';
import { RequestContextStore } from '@gyroscops/context';
import { InMemoryEventStore } from '@gyroscops/event-store';
import { causationAware, causedByEvent } from './causation';
import type { Decider } from './decider';
import { EventSourcedRepository } from './event-sourced-repository';

type E = { type: 'Ticked'; data: { n: number } };
const counter: Decider<number, { kind: 'Tick' }, E> = {
  aggregateType: 'Counter',
  initialState: () => 0,
  evolve: (s, e) => s + e.data.n,
  decide: (_c, s) => [{ type: 'Ticked', data: { n: s + 1 } }],
};
const ctx = { correlationId: 'corr', causationId: null, userId: 'u', organizationId: 'org', roles: ['writer' as const], source: 'saga' };
const scope = { organizationId: 'org', isAdmin: false };

describe('causedByEvent', () => {
  const store = new InMemoryEventStore();
  const repo = new EventSourcedRepository(causationAware(store), counter);

  it('makes the triggering event the cause of what a command appends inside it', async () => {
    const commandId = randomUUID();
    await RequestContextStore.run(ctx, () => causedByEvent('evt-1', () => repo.execute('c-1', { kind: 'Tick' }, { commandId })));
    const [e] = (await store.readStream('c-1', scope)).events;
    expect(e.causationId).toBe('evt-1');
    expect(e.correlationId).toBe('corr');
  });

  it('leaves the command id as the cause outside it, and keeps retries idempotent by command id', async () => {
    const commandId = randomUUID();
    await RequestContextStore.run(ctx, () => repo.execute('c-2', { kind: 'Tick' }, { commandId }));
    await RequestContextStore.run(ctx, () => causedByEvent('evt-2', () => repo.execute('c-2', { kind: 'Tick' }, { commandId })));
    const events = (await store.readStream('c-2', scope)).events;
    expect(events).toHaveLength(1);
    expect(events[0].causationId).toBe(commandId);
  });
});
