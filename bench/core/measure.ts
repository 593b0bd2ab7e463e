import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export const now = (): number => performance.now();

export interface LatencyStats {
  count: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function latencyStats(samples: readonly number[]): LatencyStats {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((s, x) => s + x, 0);
  return {
    count: sorted.length,
    meanMs: sorted.length ? sum / sorted.length : NaN,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

/** Runs `fn` over `count` work items with `concurrency` clients pulling the next item as soon as they are free. */
export async function runClients(count: number, concurrency: number, fn: (item: number, client: number) => Promise<void>): Promise<number> {
  let next = 0;
  const start = now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, Math.max(count, 1)) }, async (_, client) => {
      for (let item = next++; item < count; item = next++) await fn(item, client);
    }),
  );
  return now() - start;
}

/** Accumulates work and time over rounds; rates are total work / total time. */
export class Tally {
  work = 0;
  ms = 0;
  readonly latencies: number[] = [];

  add(work: number, ms: number): void {
    this.work += work;
    this.ms += ms;
  }

  get rate(): number {
    return this.ms > 0 ? (this.work * 1000) / this.ms : NaN;
  }
}

/** Resident set size of a process in MB, from /proc (Linux); null elsewhere. */
export function rssOfPid(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export const ownRssMb = (): number => process.memoryUsage().rss / 1024 / 1024;
export const ownHeapMb = (): number => process.memoryUsage().heapUsed / 1024 / 1024;

export interface MemorySummary {
  samples: number;
  peakMb: number;
  meanMb: number;
}

/** Samples a memory gauge while phases run; phases are labels set by the caller (`raw`, `library`, `http`). */
export class MemorySampler {
  private readonly byLabel = new Map<string, number[]>();
  private label: string | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly gauge: () => number | null,
    private readonly intervalMs = 100,
  ) {}

  start(): this {
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  phase(label: string | null): void {
    this.label = label;
    if (label) this.sample();
  }

  private sample(): void {
    if (!this.label) return;
    const v = this.gauge();
    if (v === null) return;
    const list = this.byLabel.get(this.label) ?? [];
    list.push(v);
    this.byLabel.set(this.label, list);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.label = null;
  }

  summary(label: string): MemorySummary | null {
    const list = this.byLabel.get(label);
    if (!list || list.length === 0) return null;
    return { samples: list.length, peakMb: Math.max(...list), meanMb: list.reduce((s, x) => s + x, 0) / list.length };
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** CPU time (user + system) a process has used, in ms, from /proc (Linux); null elsewhere. */
export function cpuOfPid(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state is field 3, utime 14 and stime 15 (1-based in proc(5)), in clock ticks (100 per second).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

export const ownCpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
