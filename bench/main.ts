import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { consoleTable, machineLine, markdownTable } from './core/report';
import type { BenchOptions, Scale, ServiceMode } from './core/types';
import { runBench } from './run-bench';

const USAGE = `npm run bench [-- options]
  --quick              smaller data (30,000 search events, fewer rounds): under 3 minutes
  --smoke              a handful of events per scenario (wiring check)
  --only=1,2,5         run only these scenarios (7 needs 1-2; 6 and 5 share the data set; 8 is disk per event)
  --search-events=N    events in the search data set (default 1,000,000 full, 30,000 quick)
  --service=MODE       process (default: the service in its own process) | in-process | none
  --service-runners    let the service's projection and saga runners follow the log during the run
  --keep               keep the run's indices (bench-<timestamp>-*) instead of deleting them
  --seed=S             data generator seed (default gyroscops-bench-1)
  --profile            CPU profiles of the bench and the service process into bench/results/profiles
  --service-node-flags="--a --b=1"  Node flags for the service process, after production's (package.json start:prod;
                       a later V8 flag wins, e.g. --heap-growing-percent=0 for V8's own heap growth)
  --es=URL             Elasticsearch URL (default ES_NODE, else scripts/elasticsearch.mjs)`;

function parse(argv: string[]): BenchOptions & { profile: boolean } {
  let scale: Scale = 'full';
  const o: BenchOptions & { profile: boolean } = { scale, profile: false };
  for (const arg of argv) {
    const [k, v] = arg.split('=', 2);
    if (k === '--quick') scale = 'quick';
    else if (k === '--smoke') scale = 'smoke';
    else if (k === '--full') scale = 'full';
    else if (k === '--keep') o.keep = true;
    else if (k === '--service-runners') o.serviceRunners = true;
    else if (k === '--profile') o.profile = true;
    else if (k === '--only') o.only = v.split(',').map(Number);
    else if (k === '--search-events') o.searchEvents = Number(v);
    else if (k === '--service') o.service = v as ServiceMode;
    else if (k === '--seed') o.seed = v;
    else if (k === '--es') o.esNode = v;
    else if (k === '--service-node-flags')
      o.serviceNodeFlags = arg
        .slice(arg.indexOf('=') + 1)
        .split(/\s+/)
        .filter(Boolean);
    else if (k === '--help' || k === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else {
      process.stderr.write(`unknown option ${arg}\n${USAGE}\n`);
      process.exit(2);
    }
  }
  o.scale = scale;
  return o;
}

async function main(): Promise<void> {
  const opts = parse(process.argv.slice(2));
  const resultsDir = join(__dirname, 'results');
  const build = process.env.BENCH_BUILD_DIR;
  // Compiled by bench/run.js, __dirname is inside the build: results go to the source tree's bench/results.
  const outDir = build && process.env.BENCH_SOURCE_DIR ? join(process.env.BENCH_SOURCE_DIR, 'results') : resultsDir;
  const serviceNodeFlags = [
    ...(opts.serviceNodeFlags ?? []),
    ...(opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(outDir, 'profiles', 'service')}`] : []),
  ];
  const result = await runBench({ ...opts, serviceBuildDir: build, serviceNodeFlags });
  process.stdout.write(`\n${machineLine(result)}\n\n${consoleTable(result)}\n`);
  mkdirSync(outDir, { recursive: true });
  const stamp = result.startedAt.replace(/[:.]/g, '-');
  const file = join(outDir, `${stamp}-${result.scale}.json`);
  const json = `${JSON.stringify(result, null, 2)}\n`;
  writeFileSync(file, json);
  // A run of some scenarios only (--only) does not replace the latest complete run of its scale.
  const latest = opts.only ? null : join(outDir, result.scale === 'full' ? 'latest.json' : `latest-${result.scale}.json`);
  if (latest) {
    writeFileSync(latest, json);
    writeFileSync(latest.replace(/\.json$/, '.md'), `${machineLine(result)}\n\n${markdownTable(result)}\n`);
  }
  process.stdout.write(`\nwrote ${file}${latest ? ` and ${latest}` : ''}\n`);
  if (result.rows.some((r) => r.status === 'failed')) process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
