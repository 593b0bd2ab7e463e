import type { estypes } from '@elastic/elasticsearch';
import { httpFor, fmtRate, rotated, row, type BenchContext, type Scenario } from '../core/context';
import { cpuSnapshot, CpuTally } from '../core/cpu';
import { assertBulkOk } from '../core/elasticsearch';
import type { GeneratedStream } from '../core/generator';
import { latencyStats, now, runClients, Tally } from '../core/measure';
import { SEARCH_FIELDS } from '../../src/search-fields';
import { eventDocumentId, searchDocument } from '../core/raw-documents';
import { ROUTES, type ServiceHandle } from '../core/service';
import type { Row } from '../core/types';

type Side = 'raw' | 'library' | 'http';

interface AppendShape {
  scenario: number;
  title: string;
  key: string;
  rounds: number;
  appends: number;
  eventsPerAppend: number;
  clients: number;
  target: number;
  /** How the raw side writes one append's documents: one `_bulk` of creates, or one `_create` call. */
  raw: 'bulk' | 'create';
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
  const { gen, store } = ctx;
  const http = httpFor(ctx, ROUTES.append);
  const sides: Side[] = http.service ? ['raw', 'library', 'http'] : ['raw', 'library'];
  const tally: Record<Side, Tally> = { raw: new Tally(), library: new Tally(), http: new Tally() };
  const cpu: Record<Side, CpuTally> = { raw: new CpuTally(), library: new CpuTally(), http: new CpuTally() };

  const round = async (label: string, r: number, count: number, measured: boolean) => {
    // Everything a client would already hold is built before the clock starts: the events, raw documents, request bodies.
    const streams = Array.from({ length: count }, (_, i) => gen.stream(`${shape.key}${label}-${i}`, shape.eventsPerAppend));
    const httpStreams = http.service
      ? Array.from({ length: count }, (_, i) => gen.stream(`${shape.key}${label}h-${i}`, shape.eventsPerAppend))
      : [];
    const rawDocs = streams.map((s) =>
      gen
        .envelopes(s, 0, s.events.length, (rawPosition += s.events.length))
        .map((e) => ({ id: eventDocumentId(e.aggregateId, e.version), doc: searchDocument(e, SEARCH_FIELDS) })),
    );
    const bulkOps =
      shape.raw === 'bulk'
        ? rawDocs.map((docs) => docs.flatMap(({ id, doc }) => [{ create: { _index: ctx.rawIndex, _id: id } }, doc]))
        : [];
    const bodies = httpStreams.map((s) => appendBody(s));
    for (const side of rotated(sides, r)) {
      const run = async (i: number): Promise<void> => {
        if (side === 'raw') {
          if (shape.raw === 'bulk')
            assertBulkOk(await ctx.rawClient.bulk({ operations: bulkOps[i] as estypes.BulkRequest['operations'] }), 'raw bulk');
          else await ctx.rawClient.create({ index: ctx.rawIndex, id: rawDocs[i][0].id, document: rawDocs[i][0].doc });
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
        ctx.benchMemory.phase(side);
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
  const details = (s: Side) => ({
    events: tally[s].work,
    seconds: tally[s].ms / 1000,
    appendP50Ms: lat(s).p50Ms,
    appendP99Ms: lat(s).p99Ms,
    rawEvents: tally.raw.work,
    rawAppendP50Ms: lat('raw').p50Ms,
    rawAppendP99Ms: lat('raw').p99Ms,
    ...prefixed('', cpu[s].perThousand()),
    ...prefixed('raw.', cpu.raw.perThousand()),
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
      target,
      ...(http.service ? { details: details('http') } : { note: `not available: ${http.missing}` }),
    }),
  ];
}

export const batchedAppends: Scenario = {
  scenario: 1,
  title: 'Batched appends (100 events/append, 8 clients) vs raw _bulk create',
  run: (ctx) => {
    const s = ctx.sizes.batched;
    return runAppends(ctx, {
      scenario: 1,
      title: `Batched appends (${s.eventsPerAppend} events/append, ${s.clients} clients) vs _bulk create`,
      key: 'b',
      ...s,
      target: 0.6,
      raw: 'bulk',
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
      target: 0.5,
      raw: 'create',
    });
  },
};
