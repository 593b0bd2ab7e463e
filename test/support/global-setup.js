// Finds or starts the Elasticsearch the tests run against, before any test file runs.
// ES_NODE set: used as is. Docker engine answering: testcontainers' Elasticsearch module.
// Otherwise: the project's own script (Maven Central distribution). No Elasticsearch: the run fails loudly.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

module.exports = async function globalSetup() {
  process.env.TEST_RUN_STARTED_AT = String(Date.now());
  if (process.env.ES_NODE) return;
  const docker = spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;
  if (docker && process.env.ES_NO_DOCKER !== '1') {
    const { ElasticsearchContainer } = require('@testcontainers/elasticsearch');
    const container = await new ElasticsearchContainer('docker.elastic.co/elasticsearch/elasticsearch:8.19.21')
      // path.repo: filesystem snapshot repositories (scripts/backup/store-backup.int-spec.ts), as scripts/elasticsearch.mjs sets it.
      .withEnvironment({
        'xpack.security.enabled': 'false',
        'path.repo': '/usr/share/elasticsearch/snapshots',
        ES_JAVA_OPTS: '-Xms1g -Xmx1g',
      })
      .start();
    process.env.ES_NODE = container.getHttpUrl();
    globalThis.__ES_CONTAINER__ = container;
    return;
  }
  const script = path.join(__dirname, '..', '..', 'scripts', 'elasticsearch.mjs');
  const r = spawnSync(process.execPath, [script, 'url'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0)
    throw new Error('No Elasticsearch could be had for the tests (see the message above). Set ES_NODE or install a JDK 17+ and Maven.');
  // The script prints nothing but the URL on stdout; anything else (a child's output) is a bug in the script, said once
  // here rather than as a config error in every suite.
  const url = r.stdout.trim();
  if (!/^https?:\/\/[^\s\x00-\x1f]+$/.test(url))
    throw new Error(`scripts/elasticsearch.mjs url printed ${JSON.stringify(r.stdout)} on stdout instead of just the URL.`);
  process.env.ES_NODE = url;
};
