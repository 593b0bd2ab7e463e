import type { estypes } from '@elastic/elasticsearch';
import type { ReadScope } from '@gyroscops/event-store';
import { ElasticsearchAnalyticsReader } from '../../src/modules/analytics/infrastructure/es-analytics.adapter';
import { COMPOSITE_PAGE_SIZE, statisticsRequest, trendsRequest } from '../../src/modules/analytics/infrastructure/es-analytics.requests';
import { httpFor, type BenchContext, type Scenario } from '../core/context';
import { startBareProxy, type BareProxy } from '../core/bare-proxy';
import { queryRows, timeQuerySides, type QuerySide } from '../core/query-sides';
import type { ServiceHandle } from '../core/service';
import type { Row } from '../core/types';
import { ensureDataset } from './dataset';
import { querySpecs } from './search';

type Kind = 'statistics' | 'trends';
type Side = QuerySide;

const ROUTE: Record<Kind, string> = { statistics: 'get /v1/analytics/events/statistics', trends: 'get /v1/analytics/events/trends' };
const TIME_ZONE = 'UTC';
// The store stamps events when they are appended, so the data set spans the minutes of its load: hourly buckets.
const INTERVAL = 'hour';

interface AnalyticsSpec {
  scope: ReadScope;
  userId: string;
  organizationId: string;
  from: Date;
  to: Date;
}

/** What the figure counts, so every side can be checked to answer the same before timing. */
function totalOf(kind: Kind, side: Side, body: unknown): number {
  if (kind === 'statistics') {
    if (side === 'raw' || side === 'proxy') {
      const r = body as estypes.SearchResponse;
      return typeof r.hits.total === 'number' ? r.hits.total : (r.hits.total?.value ?? 0);
    }
    return (body as { total: number }).total;
  }
  if (side === 'raw' || side === 'proxy') {
    const aggs = (body as estypes.SearchResponse).aggregations as Record<string, { buckets: { doc_count: number }[] }>;
    return aggs.trends.buckets.reduce((s, b) => s + b.doc_count, 0);
  }
  if (side === 'library') return (body as { count: number }[]).reduce((s, b) => s + b.count, 0);
  return Object.values((body as { trends: Record<string, number> }).trends).reduce((s, n) => s + n, 0);
}

/**
 * Statistics and trends as the analytics module computes them: through its reader in-process ("library"), over HTTP,
 * and raw with the very request bodies the module builds (`es-analytics.requests.ts`), over the search data set.
 */
export const analytics: Scenario = {
  scenario: 5,
  title: 'Analytics (statistics, trends) vs the same raw aggregations',
  run: async (ctx: BenchContext) => {
    const dataset = await ensureDataset(ctx);
    const reader = new ElasticsearchAnalyticsReader(ctx.storeClient, ctx.names.events);
    const span = dataset.windowTo.getTime() - dataset.windowFrom.getTime();
    // Each query's organization over a time window of the data set; some as admins (every organization).
    const specs: AnalyticsSpec[] = querySpecs(ctx, dataset.windowFrom, dataset.windowTo).map((s, i) => {
      const u = ctx.gen.users.find((x) => x.userId === s.userId) as { userId: string; organizationId: string };
      const from = new Date(dataset.windowFrom.getTime() - 60_000 * (i % 3));
      const to = new Date(dataset.windowFrom.getTime() + span * (0.5 + (i % 2) / 2));
      return { scope: s.scope, userId: u.userId, organizationId: u.organizationId, from, to };
    });
    const iterations = Math.max(3, Math.round(ctx.sizes.search.iterations / 2));
    const proxy = ctx.service ? await startBareProxy(ctx.esNode) : null;
    try {
      return await measure(ctx, reader, specs, iterations, dataset.totalEvents, proxy);
    } finally {
      await proxy?.close();
    }
  },
};

async function measure(
  ctx: BenchContext,
  reader: ElasticsearchAnalyticsReader,
  specs: AnalyticsSpec[],
  iterations: number,
  totalEvents: number,
  proxy: BareProxy | null,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const kind of ['statistics', 'trends'] as const) {
    const http = httpFor(ctx, ROUTE[kind]);
    const sides: Side[] = http.service && proxy ? ['raw', 'library', 'http', 'proxy'] : ['raw', 'library'];
    const once = async (side: Side, spec: AnalyticsSpec): Promise<unknown> => {
      const filter = { from: spec.from, to: spec.to };
      if (side === 'raw' || side === 'proxy') {
        const req =
          kind === 'statistics'
            ? statisticsRequest(ctx.names.events, filter, spec.scope, TIME_ZONE, COMPOSITE_PAGE_SIZE)
            : trendsRequest(ctx.names.events, filter, spec.scope, INTERVAL, TIME_ZONE);
        return side === 'raw' ? ctx.rawClient.search(req) : (proxy as BareProxy).search(req);
      }
      if (side === 'library') {
        return kind === 'statistics'
          ? reader.statistics(filter, spec.scope, TIME_ZONE)
          : reader.trends(filter, spec.scope, INTERVAL, TIME_ZONE);
      }
      const svc = http.service as ServiceHandle;
      const q = new URLSearchParams({
        from: spec.from.toISOString(),
        to: spec.to.toISOString(),
        ...(kind === 'trends' ? { interval: INTERVAL } : {}),
      });
      const r = await svc.http.send(
        'GET',
        `/v1/analytics/events/${kind}?${q.toString()}`,
        svc.token(spec.userId, spec.organizationId, spec.scope.isAdmin),
      );
      if (r.status !== 200) throw new Error(`HTTP ${kind} answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
      return r.body;
    };
    for (const spec of specs) {
      const totals = await Promise.all(sides.map(async (side) => totalOf(kind, side, await once(side, spec))));
      if (totals.some((t) => t !== totals[0]))
        throw new Error(`${kind}: the sides disagree (${sides.map((s, i) => `${s} ${totals[i]}`).join(', ')})`);
    }
    const timings = await timeQuerySides(sides, specs, iterations, once, { service: ctx.service, proxy });
    const st = (s: Side) => timings.stats(s);
    ctx.progress.step(5, `${kind}: ${timings.describe()}`);
    const title = `Analytics: event ${kind} over ${totalEvents.toLocaleString('en-US')} events`;
    const target = { op: '<=' as const, value: 1.3 };
    const details = (s: Side) => ({
      queries: st(s).count,
      meanMs: st(s).meanMs,
      rawMeanMs: st('raw').meanMs,
      ...(s === 'http' || s === 'proxy'
        ? { [s === 'http' ? 'serviceCpuMsPerRequest' : 'proxyCpuMsPerRequest']: timings.cpuPerRequestMs(s) }
        : {}),
    });
    rows.push(...queryRows({ key: `5.${kind}`, title, sides, timings, http, target, details }));
  }
  return rows;
}
