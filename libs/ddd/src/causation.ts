import { AsyncLocalStorage } from 'node:async_hooks';
import type { AppendOptions, EventStore, NewEvent } from '@gyroscops/event-store';

const causes = new AsyncLocalStorage<string>();

/**
 * Runs `fn` so that events appended inside it through a `causationAware` store name `eventId` as their cause.
 * A saga's reaction is caused by the event it reacts to, while the repository stamps the command id as causation
 * (right for API commands): this keeps the causation chain event → event across modules, so a correlation's
 * events form one tree. Command ids (and so event ids and idempotency) are unaffected.
 */
export function causedByEvent<T>(eventId: string, fn: () => T): T {
  return causes.run(eventId, fn);
}

/** The triggering event set by `causedByEvent`, if any. */
export function currentCausingEvent(): string | undefined {
  return causes.getStore();
}

/** The store with `causedByEvent` honoured on appends; every other call goes straight through. */
export function causationAware(store: EventStore): EventStore {
  return new CausationAwareStore(store);
}

class CausationAwareStore implements EventStore {
  constructor(private readonly inner: EventStore) {}

  appendToStream(aggregateId: string, events: NewEvent[], options: AppendOptions) {
    const cause = causes.getStore();
    return this.inner.appendToStream(
      aggregateId,
      events,
      cause ? { ...options, context: { ...options.context, causationId: cause } } : options,
    );
  }

  readStream(...args: Parameters<EventStore['readStream']>) {
    return this.inner.readStream(...args);
  }
  readAll(...args: Parameters<EventStore['readAll']>) {
    return this.inner.readAll(...args);
  }
  headPosition() {
    return this.inner.headPosition();
  }
  getEvent(...args: Parameters<EventStore['getEvent']>) {
    return this.inner.getEvent(...args);
  }
  search(...args: Parameters<EventStore['search']>) {
    return this.inner.search(...args);
  }
  readCorrelation(...args: Parameters<EventStore['readCorrelation']>) {
    return this.inner.readCorrelation(...args);
  }
  saveSnapshot(...args: Parameters<EventStore['saveSnapshot']>) {
    return this.inner.saveSnapshot(...args);
  }
  loadSnapshot<S>(...args: Parameters<EventStore['loadSnapshot']>) {
    return this.inner.loadSnapshot<S>(...args);
  }
  isReady() {
    return this.inner.isReady();
  }
}
