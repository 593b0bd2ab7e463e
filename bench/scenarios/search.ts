import type { estypes } from '@elastic/elasticsearch';
import { MAX_PAGE_SIZE, type EventQuery, type ReadScope } from '@gyroscops/event-store';
import { eventFilters } from '@gyroscops/event-store/elasticsearch';
import { fmtRate, httpFor, type BenchContext, type Scenario } from '../core/context';
import { SEARCH_WORDS } from '../core/generator';
import { startBareProxy, type BareProxy } from '../core/bare-proxy';
import { queryRows, timeQuerySides, type QuerySide } from '../core/query-sides';
import { Rng } from '../core/random';
import { ROUTES, type ServiceHandle } from '../core/service';
import type { Row } from '../core/types';
import { ensureDataset } from './dataset';

export interface QuerySpec {
  name: string;
  query: EventQuery;
  scope: ReadScope;
  /** Who asks over HTTP. */
  userId: string;
}

const SOURCE_EXCLUDES = ['dataFlat', 'metaFlat', 'text', 'num', 'kw'];
const EVENT_TYPES = ['PaymentCaptured', 'PaymentInitiated', 'InvoiceDrafted', 'InvoiceLineItemAdded', 'StepCompleted', 'StepFailed'];

/** A fixed, seeded mix of searches users make: free text, text plus filters, time windows, a user's activity, an admin's. */
export function querySpecs(ctx: BenchContext, windowFrom: Date, windowTo: Date): QuerySpec[] {
  const rng = new Rng(`${ctx.gen.seed}:queries`);
  const span = windowTo.getTime() - windowFrom.getTime();
  const from = new Date(windowFrom.getTime() + span / 4);
  const to = new Date(windowFrom.getTime() + (3 * span) / 4);
  const specs: QuerySpec[] = [];
  for (let i = 0; i < 24; i++) {
    const u = ctx.gen.users[rng.int(0, ctx.gen.users.length - 1)];
    const scope: ReadScope = { organizationId: u.organizationId, isAdmin: false };
    const product = rng.pick(SEARCH_WORDS.products);
    const adjective = rng.pick(SEARCH_WORDS.common);
    const city = rng.pick(SEARCH_WORDS.cities);
    const shapes: [string, EventQuery, ReadScope][] = [
      ['text', { q: product, size: 20 }, scope],
      ['text+eventType', { q: adjective, eventType: rng.pick(EVENT_TYPES), size: 20 }, scope],
      [
        '2 words+aggregateType+time',
        { q: `${adjective} ${product}`, aggregateType: rng.pick(['Payment', 'Invoice', 'Workflow']), from, to, size: 50 },
        scope,
      ],
      ['userId', { userId: u.userId, size: 20 }, scope],
      ['text+time, 100 hits', { q: city, from, to, size: 100 }, scope],
      ['admin: 2 words, all orgs', { q: `${product} ${city}`, size: 20 }, { organizationId: u.organizationId, isAdmin: true }],
      ['eventType+time', { eventType: rng.pick(EVENT_TYPES), from, to, size: 20 }, scope],
      ['text, oldest first', { q: product, sort: 'asc', size: 20 }, scope],
    ];
    const [name, query, sc] = shapes[i % shapes.length];
    specs.push({ name, query, scope: sc, userId: u.userId });
  }
  return specs;
}

/** The request the store sends for a query, built from the same exported filters: what a raw client would send. */
export function rawSearchRequest(index: string, q: EventQuery, scope: ReadScope): estypes.SearchRequest {
  const order = q.sort ?? 'desc';
  return {
    index,
    size: Math.min(Math.max(q.size ?? 100, 1), MAX_PAGE_SIZE),
    track_total_hits: true,
    query: { bool: { filter: eventFilters(q, scope) } },
    sort: [{ timestamp: { order } }, { position: { order } }],
    _source: { excludes: SOURCE_EXCLUDES },
  };
}

export function searchPath(q: EventQuery): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    if (v instanceof Date) p.set(k, v.toISOString());
    else if (Array.isArray(v)) for (const x of v) p.append(k, String(x));
    else p.set(k, String(v));
  }
  return `/v1/events?${p.toString()}`;
}

type Side = QuerySide;

export const search: Scenario = {
  scenario: 5,
  title: 'Search (free text + filters) vs the same raw _search',
  run: async (ctx) => {
    const dataset = await ensureDataset(ctx);
    const http = httpFor(ctx, ROUTES.search);
    const specs = querySpecs(ctx, dataset.windowFrom, dataset.windowTo);
    const proxy = http.service ? await startBareProxy(ctx.esNode) : null;
    try {
      return await measure(ctx, dataset, http, specs, proxy);
    } finally {
      await proxy?.close();
    }
  },
};

async function measure(
  ctx: BenchContext,
  dataset: Awaited<ReturnType<typeof ensureDataset>>,
  http: ReturnType<typeof httpFor>,
  specs: QuerySpec[],
  proxy: BareProxy | null,
): Promise<Row[]> {
  const sides: Side[] = http.service && proxy ? ['raw', 'library', 'http', 'proxy'] : ['raw', 'library'];
  const fromRaw = (r: estypes.SearchResponse<{ eventId: string }>) => {
    const total = typeof r.hits.total === 'number' ? r.hits.total : (r.hits.total?.value ?? 0);
    return { total, ids: r.hits.hits.map((h) => h._source?.eventId ?? '') };
  };
  const once = async (side: Side, spec: QuerySpec): Promise<{ total: number; ids: string[] }> => {
    if (side === 'raw')
      return fromRaw(await ctx.rawClient.search<{ eventId: string }>(rawSearchRequest(ctx.names.events, spec.query, spec.scope)));
    if (side === 'proxy') {
      return fromRaw(
        await (proxy as BareProxy).search<estypes.SearchResponse<{ eventId: string }>>(
          rawSearchRequest(ctx.names.events, spec.query, spec.scope),
        ),
      );
    }
    if (side === 'library') {
      const page = await ctx.store.search(spec.query, spec.scope);
      return { total: page.total, ids: page.events.map((e) => e.eventId) };
    }
    const svc = http.service as ServiceHandle;
    const u = ctx.gen.users.find((x) => x.userId === spec.userId) as { userId: string; organizationId: string };
    const r = await svc.http.send<{ total: number; events: { eventId: string }[] }>(
      'GET',
      searchPath(spec.query),
      svc.token(u.userId, u.organizationId, spec.scope.isAdmin),
    );
    if (r.status !== 200) throw new Error(`HTTP search answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
    return { total: r.body.total, ids: r.body.events.map((e) => e.eventId) };
  };

  // The comparison only holds if every side returns the same page: check each query once before timing.
  let hits = 0;
  for (const spec of specs) {
    const results = await Promise.all(sides.map((side) => once(side, spec)));
    const [first] = results;
    results.forEach((r, i) => {
      if (r.total !== first.total || r.ids.join() !== first.ids.join()) {
        throw new Error(`${sides[i]} and raw disagree on query "${spec.name}" (${r.total} vs ${first.total} hits)`);
      }
    });
    hits += first.total;
  }
  ctx.progress.step(
    5,
    `${specs.length} queries checked alike on all sides over ${fmtRate(dataset.totalEvents)} events (mean ${fmtRate(hits / specs.length)} matches each)`,
  );

  const timings = await timeQuerySides(sides, specs, ctx.sizes.search.iterations, once, { service: ctx.service, proxy });
  const st = (s: Side) => timings.stats(s);
  ctx.progress.step(5, timings.describe());

  const quick = ctx.scale !== 'full' ? ` (${ctx.scale} mode: ${fmtRate(dataset.totalEvents)} events, not 1,000,000)` : '';
  const title = `Search, free text + filters, over ${fmtRate(dataset.totalEvents)} events${quick}`;
  const target = { op: '<=' as const, value: 1.3 };
  const details = (s: Side) => ({
    queries: st(s).count,
    meanMs: st(s).meanMs,
    rawMeanMs: st('raw').meanMs,
    p90Ms: st(s).p90Ms,
    rawP90Ms: st('raw').p90Ms,
    eventsInIndex: dataset.totalEvents,
    ...(s === 'http' ? { serviceCpuMsPerRequest: timings.cpuPerRequestMs('http') } : {}),
    ...(s === 'proxy' ? { proxyCpuMsPerRequest: timings.cpuPerRequestMs('proxy') } : {}),
  });
  const rows: Row[] = [...dataset.rows];
  rows.push(...queryRows({ key: '5.search', title, sides, timings, http, target, details }));
  return rows;
}
