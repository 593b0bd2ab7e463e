import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import {
  ElasticsearchEventStore,
  dropIndices,
  type EsEventStoreOptions,
  type EventsIndexLayout,
} from '@gyroscops/event-store/elasticsearch';

/** A real Elasticsearch client for tests; jest's global set-up found or started the node and set ES_NODE. */
export function testClient(): Client {
  const node = process.env.ES_NODE;
  if (!node) throw new Error('ES_NODE is not set: the jest global set-up must find or start Elasticsearch');
  return new Client({ node, requestTimeout: 30000 });
}

/** A unique index prefix per suite, so suites run in parallel and leave nothing behind. */
export function testPrefix(suite: string): string {
  return `test-${suite}-${randomBytes(4).toString('hex')}`;
}

export async function makeEsStore(
  client: Client,
  prefix: string,
  extra: Partial<EsEventStoreOptions> = {},
): Promise<ElasticsearchEventStore> {
  const store = new ElasticsearchEventStore({ client, indexPrefix: prefix, leaseMs: 1000, gapTimeoutMs: 1000, ...extra });
  await store.setup();
  return store;
}

export async function refresh(client: Client, prefix: string): Promise<void> {
  await client.indices.refresh({ index: `${prefix}-*` });
}

export async function dropPrefix(client: Client, prefix: string): Promise<void> {
  await dropIndices(client, prefix);
}

/**
 * The events index layouts the adapter's suites run under: the default (one shard) and several shards routed by
 * organization, where a get, write or delete of an event document that forgets its routing fails (`_routing` required).
 */
export const EVENTS_LAYOUTS: readonly { name: string; eventsIndex?: EventsIndexLayout }[] = [
  { name: '' },
  { name: ' (events index: 3 shards routed by organization)', eventsIndex: { shards: 3, routing: 'organization' } },
];
