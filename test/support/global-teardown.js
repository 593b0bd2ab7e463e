// Safety net for "suites leave nothing behind": suites delete their own prefixes, but a runner still flushing when
// its suite ends can recreate an index (Elasticsearch auto-creates on write). Delete every `test-*` index created
// during this run, and the `test-*` templates whose index is gone.
const { Client } = require('@elastic/elasticsearch');

module.exports = async function globalTeardown() {
  const node = process.env.ES_NODE;
  const startedAt = Number(process.env.TEST_RUN_STARTED_AT ?? Date.now());
  if (!node) return;
  const es = new Client({ node });
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const rows = await es.cat.indices({ index: 'test-*', h: 'index,creation.date', format: 'json', expand_wildcards: 'all' });
    const mine = rows.filter((r) => Number(r['creation.date']) >= startedAt).map((r) => r.index);
    for (let i = 0; i < mine.length; i += 50) await es.indices.delete({ index: mine.slice(i, i + 50), ignore_unavailable: true });
    const templates = await es.indices.getIndexTemplate({ name: 'test-*' }).catch(() => ({ index_templates: [] }));
    for (const t of templates.index_templates) {
      const index = t.name.replace(/-template$/, '');
      if (!(await es.indices.exists({ index }))) await es.indices.deleteIndexTemplate({ name: t.name }).catch(() => undefined);
    }
    if (mine.length > 0) process.stderr.write(`[teardown] deleted ${mine.length} test index(es) left behind by suites\n`);
  } finally {
    await es.close();
  }
};
