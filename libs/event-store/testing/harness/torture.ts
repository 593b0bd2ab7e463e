/**
 * npm run torture -- [--seeds N] [--from S | --seed S] [--real [--runners] [--parallel K] | --memory | --pct] [--shrink] [--lenient-unavailable] [--verbose]
 *
 * Runs N seeds of the interleaving and fault harness (default: the Elasticsearch adapter on the in-process model;
 * --real: on the Elasticsearch at ES_NODE, default http://127.0.0.1:9200; --memory: the in-memory adapter), prints
 * progress, each failing seed with the command that replays it, and a summary by guarantee. Exit status 1 on a failure.
 */
import { guaranteesOf, runSeed, summarizeFailures, type Mode, type SeedOptions, type SeedResult } from './seed-runner';

interface Args extends SeedOptions {
  seeds: number;
  parallel: number;
  from: number;
  single: boolean;
  verbose: boolean;
}

const USAGE = `usage: npm run torture -- [--seeds N] [--from S | --seed S] [--real [--runners] [--parallel K] | --memory | --pct] [--shrink] [--lenient-unavailable] [--verbose]
  --seeds N               how many seeds (default 200)
  --from S                first seed (default: drawn at random, printed)
  --seed S                run only seed S and print its whole history (replays a failure)
  --real                  against the Elasticsearch at ES_NODE (default http://127.0.0.1:9200), one index prefix per seed
  --memory                the in-memory adapter instead of the Elasticsearch adapter on the in-process model
  --pct                   in-process: order steps by PCT (random actor priorities, a few changes) instead of uniformly
  --runners               with --real: projection and saga runners (libs/projections) work alongside the writers,
                          one may die, one is stopped and replaced; their read model and saga deliveries are checked
  --parallel K            seeds run at once with --real (default 3; in-process runs are sequential: they own the clock)
  --shrink                minimise failing seeds (re-runs each many times)
  --lenient-unavailable   count EventStoreUnavailable as an ambiguous outcome, not as "nothing was recorded"
  --verbose               print the whole history of every failing seed`;

function parseArgs(argv: string[]): Args {
  const a: Args = { mode: 'model', seeds: 200, parallel: 3, from: Math.floor(Math.random() * 2 ** 31), single: false, verbose: false };
  const number = (i: number) => {
    const n = Number(argv[i]);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${argv[i - 1]} needs a non-negative integer, got ${argv[i] ?? 'nothing'}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--seeds') a.seeds = number(++i);
    else if (arg === '--from') a.from = number(++i);
    else if (arg === '--parallel') a.parallel = Math.max(1, number(++i));
    else if (arg === '--seed') Object.assign(a, { from: number(++i), seeds: 1, single: true });
    else if (arg === '--real' || arg === '--memory') a.mode = arg.slice(2) as Mode;
    else if (arg === '--shrink') a.shrink = true;
    else if (arg === '--runners') a.runners = true;
    else if (arg === '--pct') a.pct = true;
    else if (arg === '--lenient-unavailable') a.lenientUnavailable = true;
    else if (arg === '--verbose') a.verbose = true;
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  if (a.mode === 'real') a.esNode = process.env.ES_NODE || 'http://127.0.0.1:9200';
  return a;
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const target =
    a.mode === 'real'
      ? `Elasticsearch at ${a.esNode}`
      : a.mode === 'memory'
        ? 'the in-memory adapter'
        : `the in-process Elasticsearch model (${a.pct ? 'PCT' : 'uniform'} schedules)`;
  console.log(`torture: ${a.single ? `seed ${a.from}` : `${a.seeds} seeds from ${a.from}`} on ${target}`);
  const started = Date.now();
  const failures: SeedResult[] = [];
  let lastProgress = started;
  let next = 0;
  let done = 0;
  const report = (r: SeedResult) => {
    done++;
    if (!r.ok) {
      failures.push(r);
      console.log(`FAIL seed ${r.seed} (${guaranteesOf(r).join('; ')})\n  replay: ${r.replay}`);
      // The violations always; the whole history on request (or for a single seed).
      const violations = (r.report ?? '').split('\n').filter((l) => /^\s*VIOLATED/.test(l));
      if (a.verbose || a.single || violations.length === 0) console.log(r.report);
      else
        console.log(
          [...violations.slice(0, 5), violations.length > 5 ? `  ... ${violations.length - 5} more` : ''].filter(Boolean).join('\n'),
        );
    }
    if (Date.now() - lastProgress > 5000 || done === a.seeds) {
      lastProgress = Date.now();
      console.log(`  ${done}/${a.seeds} seeds, ${failures.length} failing, ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  };
  const worker = async () => {
    while (next < a.seeds) report(await runSeed(a.from + next++, a));
  };
  await Promise.all(Array.from({ length: a.mode === 'real' ? a.parallel : 1 }, worker));
  failures.sort((x, y) => x.seed - y.seed);
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `\n${a.seeds} seeds in ${seconds.toFixed(1)} s (${((seconds * 1000) / a.seeds).toFixed(0)} ms per seed): ${failures.length} failing`,
  );
  for (const line of summarizeFailures(failures)) console.log(`  ${line}`);
  process.exitCode = failures.length > 0 ? 1 : 0;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 2;
});
