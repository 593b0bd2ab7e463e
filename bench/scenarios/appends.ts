import type { estypes } from '@elastic/elasticsearch';
import { bareProxyNote, startBareProxy, type BareProxy } from '../core/bare-proxy';
import { httpFor, fmtRate, rotated, row, type BenchContext, type Scenario } from '../core/context';
import { cpuSnapshot, CpuTally } from '../core/cpu';
import { assertBulkOk } from '../core/elasticsearch';
import type { GeneratedStream } from '../core/generator';
import { latencyStats, now, runClients, Tally } from '../core/measure';
import { SEARCH_FIELDS } from '../../src/search-fields';
import { eventDocumentId, searchDocument } from '../core/raw-documents';
import { ROUTES, type ServiceHandle } from '../core/service';
import type { Row } from '../core/types';
import { SEED_EVENTS_MAPPING } from './storage';

/**
 * `seed`: the seed design's write of the same envelopes (issue 16): one document per event, keyword envelope fields,
 * `eventData` and `metadata` objects under the default dynamic mapping, one index, one `_bulk` per append. It shows
 * how much the store writes per event beyond the envelope, which the `raw` side (the store's own search document)
 * hides.
 */
type Side = 'raw' | 'seed' | 'library' | 'http' | 'proxy';

interface AppendShape {
  scenario: number;
  title: string;
  key: string;
  rounds: number;
  appends: number;
  eventsPerAppend: number;
  clients: number;
  target: number;
  /** The HTTP row's target when it differs (issue 16 asks more of single-event appends over HTTP). */
  httpTarget?: number;
  /** How the raw side writes one append's documents: one `_bulk` of creates, or one `_create` call. */
  raw: 'bulk' | 'create';
  /** Also run the seed design's `_bulk` of the same envelopes as a second raw side (and report both ratios). */
  seed?: { target: number };
  seedTitle?: string;
}

/** The seed design's events index, with the events index's shard, replica and refresh settings. */
async function createSeedIndex(ctx: BenchContext, index: string): Promise<void> {
  const settings = await ctx.storeClient.indices.getSettings({ index: ctx.names.events });
  const s = settings[ctx.names.events].settings?.index;
  await ctx.storeClient.indices.create({
    index,
    mappings: SEED_EVENTS_MAPPING,
    settings: {
      number_of_shards: Number(s?.number_of_shards ?? 1),
      number_of_replicas: Number(s?.number_of_replicas ?? 0),
      refresh_interval: (s?.refresh_interval as string | undefined) ?? '1s',
    },
  });
  await ctx.storeClient.cluster.health({ index, wait_for_status: 'yellow', timeout: '30s' });
}

/**
 * One append's envelopes into the seed index. Under dynamic mapping two documents can race to map a new leaf
 * differently (`0` as long, `5.5` as float): the losers are refused and sent again, as the seed design would; a
 * resend can race on another new leaf, so up to four times (a smoke run once lost the race twice).
 */
async function seedBulk(ctx: BenchContext, operations: estypes.BulkRequest['operations']): Promise<void> {
  let ops = operations as unknown[];
  for (let attempt = 1; ; attempt++) {
    const r = await ctx.rawClient.bulk({ operations: ops as estypes.BulkRequest['operations'] });
    if (!r.errors || attempt === 4) return assertBulkOk(r, 'seed bulk');
    ops = r.items.flatMap((it, i) => ((Object.values(it)[0]?.status ?? 500) >= 300 ? [ops[2 * i], ops[2 * i + 1]] : []));
  }
}

let rawPosition = 1_000_000_000;

const prefixed = (p: string, o: Record<string, number | null>): Record<string, number | null> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [`${p}${k}`, v]));

export async function httpAppend(service: ServiceHandle, s: GeneratedStream, body: string): Promise<void> {
  const r = await service.http.send(
    'POST',
    `/v1/aggregates/${encodeURIComponent(s.aggregateId)}/events`,
    service.token(s.userId, s.organizationId),
    body,
  );
  if (r.status !== 201) throw new Error(`HTTP append answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
}

export const appendBody = (s: GeneratedStream, expectedVersion: number | 'no_stream' = 'no_stream'): string =>
  JSON.stringify({ aggregateType: s.aggregateType, expectedVersion, events: s.events });

/** The same appends three ways: raw Elasticsearch writes of the same documents, the library, and the HTTP API. */
async function runAppends(ctx: BenchContext, shape: AppendShape): Promise<Row[]> {
  const proxy = httpFor(ctx, ROUTES.append).service ? await startBareProxy(ctx.esNode) : null;
  try {
    return await measureAppends(ctx, shape, proxy);
  } finally {
    await proxy?.close();
  }
}

async function measureAppends(ctx: BenchContext, shape: AppendShape, proxy: BareProxy | null): Promise<Row[]> {
  const { gen, store } = ctx;
  const http = httpFor(ctx, ROUTES.append);
  const sides: Side[] = [
    'raw',
    ...(shape.seed ? (['seed'] as Side[]) : []),
    'library',
    ...(http.service && proxy ? (['http', 'proxy'] as Side[]) : []),
  ];
  const tally: Record<Side, Tally> = { raw: new Tally(), seed: new Tally(), library: new Tally(), http: new Tally(), proxy: new Tally() };
  const cpu: Record<Side, CpuTally> = {
    raw: new CpuTally(),
    seed: new CpuTally(),
    library: new CpuTally(),
    http: new CpuTally(),
    proxy: new CpuTally(),
  };
  const seedIndex = `${ctx.prefix}-seed-appends`; // not scenario 8's `-seed-events`
  if (shape.seed) await createSeedIndex(ctx, seedIndex);

  const round = async (label: string, r: number, count: number, measured: boolean) => {
    // Everything a client would already hold is built before the clock starts: the events, raw documents, request bodies.
    const streams = Array.from({ length: count }, (_, i) => gen.stream(`${shape.key}${label}-${i}`, shape.eventsPerAppend));
    const httpStreams = http.service
      ? Array.from({ length: count }, (_, i) => gen.stream(`${shape.key}${label}h-${i}`, shape.eventsPerAppend))
      : [];
    const envelopesOf = (of: GeneratedStream[]) => of.map((s) => gen.envelopes(s, 0, s.events.length, (rawPosition += s.events.length)));
    const docsOf = (envs: ReturnType<typeof envelopesOf>) =>
      envs.map((es) => es.map((e) => ({ id: eventDocumentId(e.aggregateId, e.version), doc: searchDocument(e, SEARCH_FIELDS) })));
    const envelopes = envelopesOf(streams);
    const rawDocs = docsOf(envelopes);
    // The bare proxy writes the raw side's kind of documents, its own (a `create` of the raw side's ids would fail).
    const proxyDocs = proxy
      ? docsOf(envelopesOf(Array.from({ length: count }, (_, i) => gen.stream(`${shape.key}${label}p-${i}`, shape.eventsPerAppend))))
      : [];
    // One `_bulk` of creates per append, when the raw side writes that way.
    const bulkOf = (docs: ReturnType<typeof docsOf>) =>
      shape.raw === 'bulk' ? docs.map((d) => d.flatMap(({ id, doc }) => [{ create: { _index: ctx.rawIndex, _id: id } }, doc])) : [];
    const proxyOps = bulkOf(proxyDocs);
    const seedOps = shape.seed ? envelopes.map((es) => es.flatMap((e) => [{ create: { _index: seedIndex, _id: e.eventId } }, e])) : [];
    const bulkOps = bulkOf(rawDocs);
    const bodies = httpStreams.map((s) => appendBody(s));
    for (const side of rotated(sides, r)) {
      const run = async (i: number): Promise<void> => {
        if (side === 'raw') {
          if (shape.raw === 'bulk')
            assertBulkOk(await ctx.rawClient.bulk({ operations: bulkOps[i] as estypes.BulkRequest['operations'] }), 'raw bulk');
          else await ctx.rawClient.create({ index: ctx.rawIndex, id: rawDocs[i][0].id, document: rawDocs[i][0].doc });
        } else if (side === 'proxy') {
          const p = proxy as BareProxy;
          if (shape.raw === 'bulk') await p.bulk({ operations: proxyOps[i] as estypes.BulkRequest['operations'] });
          else if ((await p.create({ index: ctx.rawIndex, id: proxyDocs[i][0].id, document: proxyDocs[i][0].doc })) !== 'created')
            throw new Error('the bare proxy found a document it was to create');
        } else if (side === 'seed') {
          await seedBulk(ctx, seedOps[i] as estypes.BulkRequest['operations']);
        } else if (side === 'library') {
          const s = streams[i];
          await store.appendToStream(s.aggregateId, s.events, {
            aggregateType: s.aggregateType,
            expectedVersion: 'no_stream',
            context: gen.context(s),
          });
        } else {
          await httpAppend(http.service as ServiceHandle, httpStreams[i], bodies[i]);
        }
      };
      if (measured) {
        ctx.benchMemory.phase(side === 'seed' || side === 'proxy' ? 'raw' : side);
        if (side === 'http') ctx.serviceMemory?.phase('http');
      }
      const before = await cpuSnapshot(ctx.storeClient, ctx.service);
      const ms = await runClients(count, shape.clients, async (i) => {
        const t0 = now();
        await run(i);
        if (measured) tally[side].latencies.push(now() - t0);
      });
      const after = await cpuSnapshot(ctx.storeClient, ctx.service);
      ctx.benchMemory.phase(null);
      ctx.serviceMemory?.phase(null);
      if (!measured) continue;
      const events = count * shape.eventsPerAppend;
      tally[side].add(events, ms);
      cpu[side].add(before, after, events);
      const one = new CpuTally();
      one.add(before, after, events);
      const per = one.perThousand();
      const service = side === 'http' ? `, service ${per.serviceCpuMsPer1k?.toFixed(0) ?? '?'}` : '';
      ctx.progress.step(
        shape.scenario,
        `round ${r + 1}/${shape.rounds} ${side.padEnd(7)} ${fmtRate(events)} events in ${(ms / 1000).toFixed(2)} s = ${fmtRate((events * 1000) / ms)} events/s` +
          ` | CPU ms per 1k events: Elasticsearch ${per.esCpuMsPer1k?.toFixed(0) ?? '?'}, bench ${per.benchCpuMsPer1k.toFixed(0)}${service}`,
      );
    }
  };

  await round('w', 0, Math.min(shape.appends, shape.clients), false);
  for (let r = 0; r < shape.rounds; r++) await round(`r${r}`, r, shape.appends, true);

  const lat = (s: Side) => latencyStats(tally[s].latencies);
  const details = (s: Side, base: Side = 'raw') => ({
    events: tally[s].work,
    seconds: tally[s].ms / 1000,
    appendP50Ms: lat(s).p50Ms,
    appendP99Ms: lat(s).p99Ms,
    rawEvents: tally[base].work,
    rawAppendP50Ms: lat(base).p50Ms,
    rawAppendP99Ms: lat(base).p99Ms,
    ...prefixed('', cpu[s].perThousand()),
    ...prefixed('raw.', cpu[base].perThousand()),
  });
  const unit = shape.eventsPerAppend === 1 ? 'appends/s' : 'events/s';
  const target = { op: '>=' as const, value: shape.target };
  return [
    row({
      scenario: shape.scenario,
      key: `${shape.scenario}.library`,
      title: shape.title,
      via: 'library',
      unit,
      service: tally.library.rate,
      baseline: tally.raw.rate,
      target,
      details: details('library'),
    }),
    row({
      scenario: shape.scenario,
      key: `${shape.scenario}.http`,
      title: shape.title,
      via: 'http',
      unit,
      service: http.service ? tally.http.rate : null,
      baseline: tally.raw.rate,
      target: { op: '>=' as const, value: shape.httpTarget ?? shape.target },
      ...(http.service ? { details: details('http') } : { note: `not available: ${http.missing}` }),
    }),
    ...(http.service && proxy
      ? [
          row({
            scenario: shape.scenario,
            key: `${shape.scenario}.proxy`,
            title: shape.title,
            via: 'proxy',
            unit,
            service: tally.proxy.rate,
            baseline: tally.raw.rate,
            note: bareProxyNote("the raw side's writes (its own documents)", 'whether they were stored'),
            details: details('proxy'),
          }),
        ]
      : []),
    ...(shape.seed
      ? [
          row({
            scenario: shape.scenario,
            key: `${shape.scenario}.library.seed`,
            title: `${shape.seedTitle ?? shape.title}`,
            via: 'library',
            unit,
            service: tally.library.rate,
            baseline: tally.seed.rate,
            target: { op: '>=' as const, value: shape.seed.target },
            details: details('library', 'seed'),
          }),
          row({
            scenario: shape.scenario,
            key: `${shape.scenario}.http.seed`,
            title: `${shape.seedTitle ?? shape.title}`,
            via: 'http',
            unit,
            service: http.service ? tally.http.rate : null,
            baseline: tally.seed.rate,
            target: { op: '>=' as const, value: shape.seed.target },
            ...(http.service ? { details: details('http', 'seed') } : { note: `not available: ${http.missing}` }),
          }),
        ]
      : []),
  ];
}

export const batchedAppends: Scenario = {
  scenario: 1,
  title: "Batched appends (100 events/append, 8 clients) vs raw _bulk create and the seed design's _bulk",
  run: (ctx) => {
    const s = ctx.sizes.batched;
    return runAppends(ctx, {
      scenario: 1,
      title: `Batched appends (${s.eventsPerAppend} events/append, ${s.clients} clients) vs _bulk create`,
      key: 'b',
      ...s,
      target: 0.6,
      raw: 'bulk',
      seed: { target: 0.5 },
      seedTitle: `Batched appends (${s.eventsPerAppend} events/append, ${s.clients} clients) vs the seed design's _bulk of the same envelopes`,
    });
  },
};

export const singleAppends: Scenario = {
  scenario: 2,
  title: 'Single-event appends to distinct aggregates (32 clients) vs raw _create',
  run: (ctx) => {
    const s = ctx.sizes.single;
    return runAppends(ctx, {
      scenario: 2,
      title: `Single-event appends, distinct aggregates (${s.clients} clients) vs _create`,
      key: 's',
      ...s,
      eventsPerAppend: 1,
      // Issue 8's target through the library; issue 16's over HTTP.
      target: 0.5,
      httpTarget: 0.6,
      raw: 'create',
    });
  },
};
