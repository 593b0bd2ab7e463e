/**
 * `npm run test:cluster`: the service on a three-node Elasticsearch cluster while nodes are killed and restarted
 * (test/cluster). Long (about 10-15 minutes on 2 cores) and heavy (three more JVMs), so not part of `npm test`
 * (README "Durability").
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  testRegex: 'test/cluster/.*\\.cluster-spec\\.ts$',
  globalSetup: '<rootDir>/test/cluster/global-setup.js',
  globalTeardown: '<rootDir>/test/cluster/global-teardown.js',
  testTimeout: 1_800_000,
  maxWorkers: 1,
};
