import { runSeed, summarizeFailures, type SeedOptions, type SeedResult } from './seed-runner';

/**
 * A bounded, fixed set of seeds on every `npm test` (the same seeds each run, so a red build replays as is);
 * `npm run torture` explores many more. A failure lists each failing seed, the guarantees it breaks and the
 * command that replays it.
 */
async function runSeeds(from: number, count: number, options: SeedOptions): Promise<SeedResult[]> {
  const failures: SeedResult[] = [];
  for (let seed = from; seed < from + count; seed++) {
    const r = await runSeed(seed, options);
    if (!r.ok) failures.push(r);
  }
  return failures;
}

function explain(failures: SeedResult[]): string {
  if (failures.length === 0) return '';
  const [first] = failures;
  return [`${failures.length} failing seed(s)`, ...summarizeFailures(failures), `first failing seed (${first.replay}):`, first.report].join(
    '\n',
  );
}

describe('the event store under interleavings and faults', () => {
  describe('when the Elasticsearch adapter runs 500 schedules on the in-process Elasticsearch model', () => {
    it('keeps every guarantee in every schedule', async () => {
      const failures = await runSeeds(1, 500, { mode: 'model' });
      expect(explain(failures)).toBe('');
    }, 120_000);
  });

  describe('when the in-memory adapter runs the same kind of workloads', () => {
    it('keeps every guarantee', async () => {
      const failures = await runSeeds(1, 100, { mode: 'memory' });
      expect(explain(failures)).toBe('');
    }, 60_000);
  });
});
