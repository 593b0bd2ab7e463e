import { bareProxyNote, type BareProxy } from './bare-proxy';
import { fmtMs, rotated, row } from './context';
import { latencyStats, now, type LatencyStats } from './measure';
import { ServiceCpu, type ServiceHandle } from './service';
import type { Row, Target } from './types';

/** The sides a query is timed on: raw Elasticsearch, the library in the bench process, the service, the bare proxy. */
export type QuerySide = 'raw' | 'library' | 'http' | 'proxy';

export interface QueryTimings {
  stats(side: QuerySide): LatencyStats;
  /** The service's CPU per HTTP request (`http` side) and the bare proxy's (`proxy` side), from /proc. */
  cpuPerRequestMs(side: 'http' | 'proxy'): number | null;
  /** One progress line: every side's p50 and p99, and the service's CPU per request. */
  describe(): string;
}

/**
 * Sends the queries `iterations` times round the specs, every side once per iteration in a rotated order, and keeps
 * each call's latency (and, for the service and the proxy, the CPU their process used while the bench waited).
 */
export async function timeQuerySides<S>(
  sides: QuerySide[],
  specs: S[],
  iterations: number,
  once: (side: QuerySide, spec: S) => Promise<unknown>,
  processes: { service: ServiceHandle | null; proxy: BareProxy | null },
): Promise<QueryTimings> {
  const samples = new Map<QuerySide, number[]>(sides.map((s) => [s, []]));
  const cpu = { http: new ServiceCpu(processes.service), proxy: new ServiceCpu(processes.proxy) };
  for (let i = 0; i < iterations; i++) {
    const spec = specs[i % specs.length];
    for (const side of rotated(sides, i)) {
      const tally = side === 'http' || side === 'proxy' ? cpu[side] : null;
      const cpu0 = tally ? tally.start() : null;
      const t0 = now();
      await once(side, spec);
      samples.get(side)?.push(now() - t0);
      if (tally && cpu0 !== null) tally.stop(cpu0);
    }
  }
  const stats = (s: QuerySide) => latencyStats(samples.get(s) ?? []);
  return {
    stats,
    cpuPerRequestMs: (side) => cpu[side].perRequestMs(),
    describe: () => sides.map((s) => `${s} p50 ${fmtMs(stats(s).p50Ms)} p99 ${fmtMs(stats(s).p99Ms)}`).join(', ') + cpu.http.describe(),
  };
}

/** A side's p50 and p99 rows against the raw side of the same run; null figures (and the note) when it was not measured. */
export function latencyRows(o: {
  key: string;
  title: string;
  via: Row['via'];
  side: LatencyStats | null;
  raw: LatencyStats;
  target?: Target;
  note?: string;
  details?: Row['details'];
}): Row[] {
  const common = { scenario: 5, title: o.title, via: o.via, target: o.target, note: o.note };
  return [
    row({ ...common, key: `${o.key}.p50`, unit: 'ms p50', service: o.side?.p50Ms ?? null, baseline: o.raw.p50Ms, details: o.details }),
    row({ ...common, key: `${o.key}.p99`, unit: 'ms p99', service: o.side?.p99Ms ?? null, baseline: o.raw.p99Ms }),
  ];
}

/**
 * Every row of one kind of query: the library's and the service's p50 and p99 against raw, with the ≤ target (the
 * service's figures null, with why, when it has no such route), then the bare proxy's, without a target.
 */
export function queryRows(o: {
  key: string;
  title: string;
  sides: QuerySide[];
  timings: QueryTimings;
  http: { service: ServiceHandle | null; missing: string | null };
  target: Target;
  details: (side: QuerySide) => Row['details'];
}): Row[] {
  const raw = o.timings.stats('raw');
  const rows: Row[] = [];
  for (const via of ['library', 'http'] as const) {
    const have = via === 'library' || o.http.service !== null;
    rows.push(
      ...latencyRows({
        key: `${o.key}.${via}`,
        title: o.title,
        via,
        side: have ? o.timings.stats(via) : null,
        raw,
        target: o.target,
        note: have ? undefined : `not available: ${o.http.missing}`,
        details: have ? o.details(via) : undefined,
      }),
    );
  }
  if (o.sides.includes('proxy')) {
    const note = bareProxyNote('the identical raw request', "Elasticsearch's answer as it is");
    rows.push(
      ...latencyRows({
        key: `${o.key}.proxy`,
        title: o.title,
        via: 'proxy',
        side: o.timings.stats('proxy'),
        raw,
        note,
        details: o.details('proxy'),
      }),
    );
  }
  return rows;
}
