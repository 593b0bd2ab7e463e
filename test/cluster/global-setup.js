// Starts (or finds) the three-node cluster of scripts/elasticsearch-cluster.mjs before the cluster tests, and hands
// its nodes to them as ES_NODE (comma-separated). A cluster this run started is stopped again at the end.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const script = path.join(__dirname, '..', '..', 'scripts', 'elasticsearch-cluster.mjs');

module.exports = async function globalSetup() {
  process.env.TEST_RUN_STARTED_AT = String(Date.now());
  const wasUp = spawnSync(process.execPath, [script, 'status'], { stdio: 'ignore' }).status === 0;
  const r = spawnSync(process.execPath, [script, 'url'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error('The three-node cluster could not be started (see above). It needs a JDK 17+ and Maven.');
  const urls = r.stdout.trim();
  if (!/^https?:\/\/\S+(,https?:\/\/\S+)*$/.test(urls))
    throw new Error(`elasticsearch-cluster.mjs url printed ${JSON.stringify(r.stdout)}`);
  process.env.ES_NODE = urls;
  process.env.ES_CLUSTER_STARTED_BY_TESTS = wasUp ? '' : '1';
};
