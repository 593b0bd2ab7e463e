import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Client, type estypes } from '@elastic/elasticsearch';
import type { ElasticsearchInfo } from './types';

/** The source checkout (bench/run.js runs a compiled copy from node_modules/.cache and says where the sources are). */
export const REPO_ROOT = process.env.BENCH_SOURCE_DIR ? join(process.env.BENCH_SOURCE_DIR, '..') : join(__dirname, '..', '..');

/** ES_NODE when set, else the project's script (finds or starts a local Elasticsearch), exactly like the tests. */
export function resolveElasticsearchUrl(explicit?: string): string {
  if (explicit) return explicit;
  if (process.env.ES_NODE) return process.env.ES_NODE;
  const script = join(REPO_ROOT, 'scripts', 'elasticsearch.mjs');
  const r = spawnSync(process.execPath, [script, 'url'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error('No Elasticsearch: set ES_NODE, or install a JDK 17+ and Maven for scripts/elasticsearch.mjs');
  return r.stdout.trim();
}

/** One client per side (store, raw baseline), configured alike, so neither shares the other's connection pool. */
export function makeClient(node: string): Client {
  return new Client({ node, requestTimeout: 120_000 });
}

export async function elasticsearchInfo(client: Client, url: string): Promise<ElasticsearchInfo> {
  // Node info rather than `GET /`: the integ-test distribution leaves out the root endpoint's module.
  const info = await client.nodes.info({ node_id: '_local', metric: ['jvm'] });
  const node = Object.values(info.nodes)[0];
  const heap = node?.jvm?.mem?.heap_max_in_bytes;
  return { url, version: node?.version ?? 'unknown', heapMaxMb: heap ? Math.round(Number(heap) / 1024 / 1024) : null };
}

/** Creates the raw baseline index with the very mapping and settings of the store's events index. */
export async function createTwinIndex(client: Client, source: string, target: string): Promise<void> {
  const mapping = await client.indices.getMapping({ index: source });
  const settings = await client.indices.getSettings({ index: source });
  const s = settings[source].settings?.index;
  await client.indices.create({
    index: target,
    mappings: mapping[source].mappings,
    settings: {
      number_of_shards: Number(s?.number_of_shards ?? 1),
      number_of_replicas: Number(s?.number_of_replicas ?? 0),
      refresh_interval: (s?.refresh_interval as string | undefined) ?? '1s',
      'mapping.total_fields.limit': 1000,
      // Stored-field compression changes what every _source read costs: the raw side pays the same.
      codec: (s?.codec as string | undefined) ?? 'default',
    },
  });
  await client.cluster.health({ index: target, wait_for_status: 'yellow', timeout: '30s' });
}

export async function setRefreshInterval(client: Client, indices: string[], interval: string): Promise<void> {
  await client.indices.putSettings({ index: indices, settings: { refresh_interval: interval } });
}

export async function countDocs(client: Client, index: string): Promise<number> {
  await client.indices.refresh({ index });
  return (await client.count({ index })).count;
}

/** Deletes every index and index template of the run's prefix, by name (wildcard deletes are usually refused). */
export async function dropPrefix(client: Client, prefix: string): Promise<string[]> {
  const existing = await client.indices.get({ index: `${prefix}-*`, expand_wildcards: 'all' }).catch(() => ({}) as Record<string, unknown>);
  const names = Object.keys(existing).filter((n) => n.startsWith(`${prefix}-`));
  if (names.length > 0) await client.indices.delete({ index: names, ignore_unavailable: true });
  const templates = await client.indices
    .getIndexTemplate({ name: `${prefix}-*` })
    .then((r) => r.index_templates.map((t) => t.name))
    .catch(() => [] as string[]);
  for (const name of templates.filter((n) => n.startsWith(`${prefix}-`)))
    await client.indices.deleteIndexTemplate({ name }).catch(() => undefined);
  return names;
}

/** Throws when a `_bulk` answered 200 with failed items: a baseline that silently dropped documents would be no baseline. */
export function assertBulkOk(r: estypes.BulkResponse, what: string): void {
  if (!r.errors) return;
  const failed = r.items.map((it) => Object.values(it)[0]).filter((it) => it && it.status >= 300);
  throw new Error(`${what}: ${failed.length} bulk items failed, first: ${JSON.stringify(failed[0]?.error)}`);
}
