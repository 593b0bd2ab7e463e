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
    }, 300_000);
  });

  describe('when it runs 200 schedules ordered by PCT (random actor priorities, a few priority changes)', () => {
    it('keeps every guarantee in every schedule', async () => {
      const failures = await runSeeds(1, 200, { mode: 'model', pct: true });
      expect(explain(failures)).toBe('');
    }, 300_000);
  });

  // Seeds that once failed, kept as they were found (they name workloads of this generator: re-find them with
  // `npm run torture` if the generator changes). 5868, 7807: a reader fenced positions inside an append whose commit
  // landed first (gap-timeout tombstones at interior positions), and readAll from an interior checkpoint then took
  // such a tombstone for the document covering it and skipped the rest of the append. 700334: readAll from a checkpoint
  // just after positions still in flight fenced only the positions past it; the commit, stored under its first
  // position below the checkpoint, then landed over them and the reader had passed its last event.
  describe('when the seeds that found earlier defects run again', () => {
    it('keeps every guarantee in each of them', async () => {
      const failures: SeedResult[] = [];
      for (const seed of [5868, 7807, 700334]) {
        const r = await runSeed(seed, { mode: 'model' });
        if (!r.ok) failures.push(r);
      }
      expect(explain(failures)).toBe('');
    });
  });

  describe('when the in-memory adapter runs the same kind of workloads', () => {
    it('keeps every guarantee', async () => {
      const failures = await runSeeds(1, 100, { mode: 'memory' });
      expect(explain(failures)).toBe('');
    }, 60_000);
  });
});
