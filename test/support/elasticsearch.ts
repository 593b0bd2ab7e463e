import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';

/** The Elasticsearch the tests run against, found or started by jest's globalSetup. */
export function esNode(): string {
  const node = process.env.ES_NODE;
  if (!node) throw new Error('ES_NODE is not set: run the tests through jest so that test/support/global-setup.js provides Elasticsearch');
  return node;
}

/** A fresh index prefix per suite (`test-<suite>-<random>`), so suites run in parallel and clean up only their own. */
export function testIndexPrefix(suite: string): string {
  return `test-${suite}-${randomBytes(4).toString('hex')}`;
}

/**
 * Deletes every index and index template named `<prefix>-*`. Indices are listed first and deleted by
 * name, as Elasticsearch 8 refuses wildcard deletes (action.destructive_requires_name).
 */
export async function deleteIndicesWithPrefix(node: string, prefix: string): Promise<void> {
  const client = new Client({ node });
  try {
    const indices = await client.indices.get({
      index: `${prefix}-*`,
      expand_wildcards: 'all',
      ignore_unavailable: true,
      allow_no_indices: true,
    });
    const names = Object.keys(indices);
    for (let i = 0; i < names.length; i += 50) {
      await client.indices.delete({ index: names.slice(i, i + 50), ignore_unavailable: true });
    }
    const templates = await client.indices.getIndexTemplate({ name: `${prefix}-*` }, { ignore: [404] });
    for (const { name } of templates.index_templates ?? []) {
      await client.indices.deleteIndexTemplate({ name }, { ignore: [404] });
    }
  } finally {
    await client.close();
  }
}
