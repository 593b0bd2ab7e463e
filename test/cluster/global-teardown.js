// Stops the cluster if this run started it (ES_CLUSTER_KEEP=1 keeps it for the next run).
const { spawnSync } = require('node:child_process');
const path = require('node:path');

module.exports = async function globalTeardown() {
  if (process.env.ES_CLUSTER_STARTED_BY_TESTS !== '1' || process.env.ES_CLUSTER_KEEP === '1') return;
  spawnSync(process.execPath, [path.join(__dirname, '..', '..', 'scripts', 'elasticsearch-cluster.mjs'), 'stop'], { stdio: 'inherit' });
};
