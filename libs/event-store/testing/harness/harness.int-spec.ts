import { runSeed, summarizeFailures, type SeedResult } from './seed-runner';

/** A handful of fixed seeds against the real Elasticsearch on every `npm test`; `npm run torture -- --real` runs many. */
describe('the Elasticsearch event store under faults, against the real Elasticsearch', () => {
  describe('when 6 seeded workloads run with injected faults, pauses and dying instances, projection and saga runners alongside', () => {
    it('keeps every guarantee in each of them, read models and saga deliveries included', async () => {
      // Set by jest's global set-up, as for every int-spec (see es-test-support).
      const esNode = process.env.ES_NODE;
      if (!esNode) throw new Error('ES_NODE is not set: the jest global set-up must find or start Elasticsearch');
      const failures: SeedResult[] = [];
      // Run side by side: each seed has its own index prefix, dropped afterwards.
      const results = await Promise.all(
        [1, 2, 3, 4, 5, 6].map((seed) => runSeed(seed, { mode: 'real', esNode, indexPrefixRoot: 'test-harness', runners: true })),
      );
      for (const r of results) if (!r.ok) failures.push(r);
      const explained = failures.length ? [...summarizeFailures(failures), failures[0].report].join('\n') : '';
      expect(explained).toBe('');
    }, 300_000);
  });
});
