import { InMemoryEventStore } from '@gyroscops/event-store';
import { eventStoreContract } from '../../testing/event-store.contract';

eventStoreContract('in-memory', async () => {
  const store = new InMemoryEventStore();
  return {
    store,
    settle: async () => undefined,
    withUpcasters: async (u) => store.withUpcasters(u),
    withOptions: async (options) => new InMemoryEventStore(options, store),
    cleanup: async () => undefined,
  };
});
