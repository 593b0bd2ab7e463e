/** One run for unit (*.spec.ts), integration (*.int-spec.ts) and e2e (test/e2e) tests. */
const moduleNameMapper = {
  '^@gyroscops/event-store$': '<rootDir>/libs/event-store/src',
  '^@gyroscops/event-store/elasticsearch$': '<rootDir>/libs/event-store/src/elasticsearch',
  '^@gyroscops/event-store/testing$': '<rootDir>/libs/event-store/testing',

  '^@gyroscops/context$': '<rootDir>/libs/context/src',
  '^@gyroscops/projections$': '<rootDir>/libs/projections/src',
  '^@gyroscops/projections/testing$': '<rootDir>/libs/projections/testing',
  '^@gyroscops/ddd$': '<rootDir>/libs/ddd/src',
  '^@gyroscops/ddd/testing$': '<rootDir>/libs/ddd/testing',
  '^@gyroscops/event-store-client$': '<rootDir>/packages/event-store-client/src',
};
module.exports = {
  rootDir: '.',
  moduleFileExtensions: ['js', 'json', 'ts'],
  testRegex: '.*\\.(spec|int-spec|e2e-spec)\\.ts$',
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: {
    '^.+\\.ts$': 'ts-jest',
    // ESM-only dependency of @fastify/static (used by the OpenAPI page): compiled to CommonJS for jest.
    'node_modules/content-disposition/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, isolatedModules: true } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!content-disposition/)'],
  testEnvironment: 'node',
  moduleNameMapper,
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  reporters: ['default', '<rootDir>/test/support/no-skip-reporter.js'],
  testTimeout: 60000,
  // A fresh worker for each test file: a suite that leaves a runner or a client polling keeps its worker busy, and the
  // next suite in that worker (the correctness harness on virtual time, timing-bound e2e set-ups) ran up to 16 times
  // slower in a fresh-clone run (harness 500 schedules: 19 s alone, over 300 s after other suites).
  workerIdleMemoryLimit: '1MB',
};
