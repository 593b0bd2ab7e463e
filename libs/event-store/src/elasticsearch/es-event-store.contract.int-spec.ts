import { eventStoreContract } from '../../testing/event-store.contract';
import { dropPrefix, makeEsStore, refresh, testClient, testPrefix } from '../../testing/es-test-support';

eventStoreContract('elasticsearch', async () => {
  const client = testClient();
  const prefix = testPrefix('contract');
  const store = await makeEsStore(client, prefix);
  return {
    store,
    settle: () => refresh(client, prefix),
    withUpcasters: async (upcasters) => makeEsStore(client, prefix, { upcasters }),
    cleanup: async () => {
      await store.close();
      await dropPrefix(client, prefix);
      await client.close();
    },
  };
});
