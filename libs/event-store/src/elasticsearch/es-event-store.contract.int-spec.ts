import type { ElasticsearchEventStore } from '@gyroscops/event-store/elasticsearch';
import { eventStoreContract } from '../../testing/event-store.contract';
import { dropPrefix, EVENTS_LAYOUTS, makeEsStore, refresh, testClient, testPrefix } from '../../testing/es-test-support';

for (const { name, eventsIndex } of EVENTS_LAYOUTS)
  eventStoreContract(`elasticsearch${name}`, async () => {
    const client = testClient();
    const prefix = testPrefix('contract');
    const store = await makeEsStore(client, prefix, { eventsIndex });
    const variants: ElasticsearchEventStore[] = [];
    return {
      store,
      settle: () => refresh(client, prefix),
      withUpcasters: async (upcasters) => makeEsStore(client, prefix, { upcasters, eventsIndex }),
      withOptions: async (options) => {
        const variant = await makeEsStore(client, prefix, { eventsIndex, ...options });
        variants.push(variant);
        return variant;
      },
      cleanup: async () => {
        for (const v of variants) await v.close();
        await store.close();
        await dropPrefix(client, prefix);
        await client.close();
      },
    };
  });
