import type { FactoryProvider } from '@nestjs/common';
import { EventSourcedRepository, type Decider, type DomainEvent, type RepositoryOptions } from '@gyroscops/ddd';
import { EVENT_STORE, type EventStore } from '@gyroscops/event-store';
import { StoreWakeUp } from './store-wake-up';

/**
 * A module's event-sourced repository under `token`, over the global store. Each append it commits wakes the log's
 * consumers (projections, sagas, consumer groups, the live tail) at once instead of at their next poll.
 */
export function repositoryProvider<S, C, E extends DomainEvent>(
  token: symbol,
  decider: Decider<S, C, E>,
  options: Omit<RepositoryOptions<S>, 'afterCommit'> = {},
): FactoryProvider<EventSourcedRepository<S, C, E>> {
  return {
    provide: token,
    inject: [EVENT_STORE, StoreWakeUp],
    useFactory: (store: EventStore, wakeUp: StoreWakeUp) =>
      new EventSourcedRepository(store, decider, { ...options, afterCommit: (result) => wakeUp.appended(result.position) }),
  };
}
