import type { JsonObject } from '@gyroscops/event-store';

/** A domain event as the domain sees it: a type and its data (the envelope is the store's business). */
export interface DomainEvent<T extends string = string, D extends JsonObject = JsonObject> {
  type: T;
  data: D;
}

/**
 * The functional aggregate (Emmett/Chassaing style): state is the fold of `evolve` over past events,
 * and `decide` turns a command into new events or throws a DomainError. Both are pure.
 */
export interface Decider<S, C, E extends DomainEvent> {
  aggregateType: string;
  initialState: () => S;
  evolve(state: S, event: E): S;
  decide(command: C, state: S): E[];
}

/** Given past events, when a command, then events (or the error it throws). For tests and replays. */
export function replay<S, E extends DomainEvent>(decider: Pick<Decider<S, never, E>, 'initialState' | 'evolve'>, events: readonly E[]): S {
  return events.reduce((s, e) => decider.evolve(s, e), decider.initialState());
}
