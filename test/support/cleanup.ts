import type { Client } from '@elastic/elasticsearch';

/** Deletes every index and index template of a test prefix. Elasticsearch refuses wildcard deletes, so names are resolved first. */
export async function deletePrefix(es: Client, prefix: string): Promise<void> {
  const indices = Object.keys(
    await es.indices.get({ index: `${prefix}-*`, allow_no_indices: true, ignore_unavailable: true, expand_wildcards: 'all' }),
  );
  for (let i = 0; i < indices.length; i += 50) await es.indices.delete({ index: indices.slice(i, i + 50), ignore_unavailable: true });
  const templates = await es.indices.getIndexTemplate({ name: `${prefix}-*` }).catch(() => ({ index_templates: [] as { name: string }[] }));
  for (const t of templates.index_templates) await es.indices.deleteIndexTemplate({ name: t.name }).catch(() => undefined);
}

/**
 * Deletes the backups of a test prefix from the service's snapshot repository (POST /v1/admin/backups takes them),
 * so runs leave no snapshots behind. Nothing to do when the repository was never registered.
 */
export async function deleteBackupsOf(es: Client, prefix: string, repository = 'gyroscops-backups'): Promise<void> {
  const r = await es.snapshot.get({ repository, snapshot: '_all' }).catch(() => null);
  const mine = (r?.snapshots ?? []).filter((s) => (s.metadata as { prefix?: unknown } | undefined)?.prefix === prefix);
  for (const s of mine) await es.snapshot.delete({ repository, snapshot: s.snapshot }).catch(() => undefined);
}
