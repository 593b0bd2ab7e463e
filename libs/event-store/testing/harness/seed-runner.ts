import fc from 'fast-check';
import type { HistoryRecord } from './history';
import { FastCheckInterleaver, PctInterleaver } from './interleaver';
import { runAgainstElasticsearch, runInMemory, runInProcess, type RunReport, type ScenarioOptions } from './scenario';
import { commandActorsArb, pctArb, runnersArb, workloadArb, type WorkloadShape } from './workload-arbitraries';
import type { Workload } from './workload';

/** model: the Elasticsearch adapter on the in-process model; real: on a real Elasticsearch; memory: the in-memory adapter. */
export type Mode = 'model' | 'real' | 'memory';

export interface SeedOptions {
  mode: Mode;
  /** Minimise a failing seed's workload and faults (re-runs it many times). */
  shrink?: boolean;
  /** Treat EventStoreUnavailable as ambiguous instead of "nothing was recorded". */
  lenientUnavailable?: boolean;
  esNode?: string;
  /** Index prefixes of real-Elasticsearch runs start with it (default `torture`). */
  indexPrefixRoot?: string;
  /** Real Elasticsearch only: run projection and saga runners alongside the writers, and check them too. */
  runners?: boolean;
  /** In-process only: order steps by PCT (random actor priorities, a few priority changes) instead of uniformly. */
  pct?: boolean;
}

export interface SeedResult {
  seed: number;
  ok: boolean;
  ms: number;
  /** Present on failure: the violations and what led to them, ready to print. */
  report?: string;
  replay: string;
}

const SHAPES: Record<Mode, WorkloadShape> = {
  model: { maxInstances: 3, maxActors: 5, maxSteps: 6, maxFaults: 30, maxStallMs: 300, kills: true },
  real: { maxInstances: 3, maxActors: 4, maxSteps: 5, maxFaults: 20, maxStallMs: 500, kills: true },
  memory: { maxInstances: 3, maxActors: 5, maxSteps: 6, maxFaults: 0, maxStallMs: 1, kills: false },
};

function scenarioOptions(o: SeedOptions): ScenarioOptions {
  const real = o.mode === 'real';
  return { leaseMs: real ? 200 : 100, gapTimeoutMs: real ? 200 : 100, unavailableMeansAbsent: !o.lenientUnavailable };
}

class HarnessFailure extends Error {
  constructor(
    readonly report: RunReport,
    readonly workload: Workload,
  ) {
    super(`${report.violations.length} violation(s): ${report.violations.map((v) => v.guarantee).join(', ')}`);
  }
}

function property(seed: number, o: SeedOptions) {
  const opts = scenarioOptions(o);
  const check = (w: Workload, report: RunReport) => {
    if (report.violations.length > 0) throw new HarnessFailure(report, w);
  };
  // One shape for the three modes (the scheduler only drives in-process runs), so one fc.check serves them all.
  // Later additions to the generated input come last (runners, commands, PCT's plan), so each left every earlier
  // seed's workload and faults as they were.
  const inputs = [workloadArb(SHAPES[o.mode]), fc.scheduler(), runnersArb(SHAPES[o.mode]), commandActorsArb(), pctArb()] as const;
  return fc.asyncProperty(...inputs, async (generated, s, runners, commandActors, pct) => {
    const w: Workload = { ...generated, commandActors };
    const interleaver = o.pct ? new PctInterleaver(pct.seed, pct.depth) : new FastCheckInterleaver(s);
    if (o.mode === 'model') check(w, await runInProcess(w, seed, interleaver, opts));
    else if (o.mode === 'memory') check(w, await runInMemory(w, seed, opts));
    else {
      const node = o.esNode ?? 'http://127.0.0.1:9200';
      check(w, await runAgainstElasticsearch(w, seed, node, opts, o.indexPrefixRoot ?? 'torture', o.runners ? runners : undefined));
    }
  });
}

export function replayCommand(seed: number, o: SeedOptions): string {
  const flags = [
    o.mode === 'real' ? '--real' : o.mode === 'memory' ? '--memory' : '',
    o.mode === 'real' && o.runners ? '--runners' : '',
    o.mode === 'model' && o.pct ? '--pct' : '',
    o.lenientUnavailable ? '--lenient-unavailable' : '',
  ].filter(Boolean);
  return `npm run torture -- --seed ${seed} ${flags.join(' ')}`.trim();
}

/** One seed: fast-check generates the workload, faults and (in-process) the schedule from it, runs and checks. */
export async function runSeed(seed: number, o: SeedOptions): Promise<SeedResult> {
  const started = Date.now();
  const result = await fc.check(property(seed, o), {
    seed,
    numRuns: 1,
    endOnFailure: !o.shrink,
    interruptAfterTimeLimit: o.shrink ? 5 * 60_000 : undefined,
  });
  const ms = Date.now() - started;
  const replay = replayCommand(seed, o);
  if (!result.failed) return { seed, ok: true, ms, replay };
  const error = result.errorInstance;
  const report =
    error instanceof HarnessFailure
      ? describeFailure(error.report, error.workload, o.shrink ? result.numShrinks : undefined)
      : `the run itself failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
  return { seed, ok: false, ms, report, replay };
}

/** The guarantees a failing seed's report names. */
export const guaranteesOf = (r: SeedResult): string[] => {
  const named = (r.report ?? '').split('\n').flatMap((l) => /^\s*VIOLATED ([^:]+):/.exec(l)?.[1] ?? []);
  return named.length > 0 ? [...new Set(named)] : ['the run itself failed'];
};

/** Failing seeds grouped by guarantee, each group with the command that replays its first seed. */
export function summarizeFailures(failures: SeedResult[]): string[] {
  const byGuarantee = new Map<string, SeedResult[]>();
  for (const f of failures) for (const g of guaranteesOf(f)) byGuarantee.set(g, [...(byGuarantee.get(g) ?? []), f]);
  return [...byGuarantee].map(
    ([g, fs]) =>
      `${g}: ${fs.length} seed(s), e.g. ${fs
        .slice(0, 8)
        .map((f) => f.seed)
        .join(', ')}; replay: ${fs[0].replay}`,
  );
}

const outcomeText = (r: HistoryRecord): string => {
  if (r.type !== 'append') return '';
  const o = r.outcome;
  if (o.kind === 'ack') return `ack v${o.fromVersion}..${o.version} pos ${o.events[0]?.position}..${o.position}`;
  if (o.kind === 'refused' || o.kind === 'unknown') return `${o.kind} ${o.code}`;
  return o.kind;
};

/** The violations, then the appends and reads in call order: enough to see what happened without a debugger. */
export function describeFailure(report: RunReport, w: Workload, shrinks?: number): string {
  const lines = [
    ...report.violations.map((v) => `  VIOLATED ${v.guarantee}: ${v.detail}`),
    shrinks !== undefined ? `  (after ${shrinks} shrinks)` : '',
    `  workload: ${w.instances} instances, ${w.streams} streams, ${w.actors.length} actors; faults injected per instance: ${JSON.stringify(report.injected)}`,
    '  history (logical time: call..answer; client ids as #op.k):',
  ];
  for (const r of report.history) {
    const span = `${r.start}..${r.end === Infinity ? '-' : r.end}`;
    if (r.type === 'append') {
      const c = r.call;
      const ids = c.events
        .map((e) => (e.eventId ? `#${parseInt(e.eventId.slice(9, 13), 16)}.${parseInt(e.eventId.slice(15, 18), 16)}` : 'server-id'))
        .join(',');
      lines.push(
        `    ${span} i${c.instance} a${c.actor} append op ${c.op}${c.retryOf !== undefined ? ` (retry of ${c.retryOf})` : ''} ${c.aggregateId} [${ids}] expected ${String(r.expectedVersion)} as ${c.organizationId} -> ${outcomeText(r)}`,
      );
    } else if (r.type === 'readAll') {
      const res =
        'events' in r.result
          ? `${r.result.events.map((e) => e.position).join(',')} checkpoint ${r.result.checkpoint} head ${r.result.head}`
          : r.result.error;
      lines.push(`    ${span} i${r.instance} a${r.actor} readAll after ${r.after} max ${r.maxCount} -> ${res}`);
    } else if (r.type === 'readStream') {
      const res = 'version' in r.result ? `version ${r.result.version}` : r.result.error;
      lines.push(`    ${span} i${r.instance} a${r.actor} readStream ${r.aggregateId} -> ${res}`);
    } else {
      const o = r.outcome;
      const res =
        o.kind === 'failed' ? `failed ${o.code}: ${o.message}` : o.kind === 'no-answer' ? o.kind : `${o.kind} [${o.eventIds.join(',')}]`;
      lines.push(`    ${span} i${r.instance} c${r.actor} command ${r.commandId} on ${r.aggregateId} -> ${res}`);
    }
  }
  for (const [index, docs] of report.backendDocuments ?? []) {
    if (!/-(log|streams)$/.test(index)) continue;
    lines.push(`  ${index} at the end (model):`);
    for (const [id, source] of docs)
      lines.push(`    ${id}: ${JSON.stringify(source, (k, v) => (k === 'events' ? `[${(v as unknown[]).length} events]` : v))}`);
  }
  return lines.filter(Boolean).join('\n');
}
