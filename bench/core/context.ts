import type { Client } from '@elastic/elasticsearch';
import type { ElasticsearchEventStore, IndexNames } from '@gyroscops/event-store/elasticsearch';
import type { DataGenerator } from './generator';
import type { MemorySampler } from './measure';
import type { ServiceHandle } from './service';
import type { Sizes } from './sizes';
import type { Row, RowStatus, Scale, Target } from './types';

export interface Progress {
  /** One progress line, prefixed with the elapsed time of the run. */
  step(scenario: number | string, message: string): void;
}

/** What every scenario gets: both sides' clients and indices, the data generator, the service (when it can be reached). */
export interface BenchContext {
  scale: Scale;
  sizes: Sizes;
  prefix: string;
  names: IndexNames;
  /** The raw baseline's index: same mapping and settings as the store's events index. */
  rawIndex: string;
  storeClient: Client;
  rawClient: Client;
  store: ElasticsearchEventStore;
  esNode: string;
  gen: DataGenerator;
  service: ServiceHandle | null;
  /** Why there is no service, when there is none. */
  serviceMissing: string | null;
  progress: Progress;
  /** The bench process's RSS, by phase (`raw`, `library`, `http`). */
  benchMemory: MemorySampler;
  /** The service's RSS (its own process in `process` mode), during `http` phases. */
  serviceMemory: MemorySampler | null;
  serviceIdleRssMb: number | null;
  notes: string[];
  /** Set by the search scenario's load, used by the scan scenario. */
  dataset?: { loadedEvents: number; totalEvents: number; windowFrom: Date; windowTo: Date };
}

export interface Scenario {
  scenario: number;
  title: string;
  run(ctx: BenchContext): Promise<Row[]>;
}

/** The service when it documents `route`, else why HTTP figures are missing. */
export function httpFor(ctx: BenchContext, route: string): { service: ServiceHandle; missing: null } | { service: null; missing: string } {
  if (!ctx.service) return { service: null, missing: ctx.serviceMissing ?? 'no service' };
  if (!ctx.service.routes.has(route)) return { service: null, missing: `the service has no \`${route.toUpperCase()}\` route yet` };
  return { service: ctx.service, missing: null };
}

export interface RowInput {
  scenario: number;
  key: string;
  title: string;
  via: Row['via'];
  unit: string;
  service: number | null;
  baseline: number | null;
  target?: Target | null;
  status?: RowStatus;
  note?: string;
  details?: Row['details'];
}

const finite = (x: number | null): number | null => (x !== null && Number.isFinite(x) ? x : null);

export function row(r: RowInput): Row {
  const service = finite(r.service);
  const baseline = finite(r.baseline);
  const ratio = service !== null && baseline !== null && baseline !== 0 ? service / baseline : null;
  const target = r.target ?? null;
  const met = target && ratio !== null ? (target.op === '>=' ? ratio >= target.value : ratio <= target.value) : null;
  return {
    scenario: r.scenario,
    key: r.key,
    title: r.title,
    via: r.via,
    unit: r.unit,
    service,
    baseline,
    ratio,
    target,
    met,
    status: r.status ?? (service === null ? 'not-available' : 'measured'),
    ...(r.note ? { note: r.note } : {}),
    ...(r.details ? { details: r.details } : {}),
  };
}

export function failedRow(scenario: number, key: string, title: string, error: unknown): Row {
  const message = error instanceof Error ? error.message : String(error);
  return {
    ...row({ scenario, key, title, via: '-', unit: '-', service: null, baseline: null }),
    status: 'failed',
    note: `failed: ${message.slice(0, 500)}`,
  };
}

/** Round r runs the sides in a rotated order, so drift on a shared machine does not always favour the same side. */
export function rotated<T>(items: readonly T[], round: number): T[] {
  const k = round % Math.max(items.length, 1);
  return [...items.slice(k), ...items.slice(0, k)];
}

export const fmtRate = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
export const fmtMs = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)} ms` : 'n/a');
