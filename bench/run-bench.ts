import { randomBytes } from 'node:crypto';
import { cpus, hostname, totalmem } from 'node:os';
import { ElasticsearchEventStore, indexNames } from '@gyroscops/event-store/elasticsearch';
import { SEARCH_FIELDS } from '../src/search-fields';
import { failedRow, type BenchContext, type Progress, type Scenario } from './core/context';
import { assertBulkOk, createTwinIndex, dropPrefix, elasticsearchInfo, makeClient, resolveElasticsearchUrl } from './core/elasticsearch';
import { DataGenerator, ORGANIZATIONS, USERS } from './core/generator';
import { MemorySampler, now, ownRssMb, sleep } from './core/measure';
import { eventDocumentId, searchDocument } from './core/raw-documents';
import { startService, type ServiceHandle } from './core/service';
import { SIZES } from './core/sizes';
import type { BenchOptions, BenchResult, DataInfo, MachineInfo, Row } from './core/types';
import { analytics } from './scenarios/analytics';
import { batchedAppends, singleAppends } from './scenarios/appends';
import { hotAggregate } from './scenarios/hot-aggregate';
import { loadAggregate } from './scenarios/load-aggregate';
import { logDelivery } from './scenarios/log-delivery';
import { memory } from './scenarios/memory';
import { scan } from './scenarios/scan';
import { search } from './scenarios/search';
import { storage } from './scenarios/storage';

/** In run order. Memory (7) reads what 1-2 sampled, so it follows them; 5 and 6 share the big data set, loaded last. */
export const SCENARIOS: Scenario[] = [
  batchedAppends,
  singleAppends,
  memory,
  hotAggregate,
  loadAggregate,
  search,
  analytics,
  scan,
  storage,
  logDelivery,
];

export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    hostname: hostname(),
    platform: process.platform,
    arch: process.arch,
    cpuModel: c[0]?.model ?? 'unknown',
    cores: c.length,
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
  };
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * The raw side must index exactly what the store indexes. Both indices share one mapping (copied), so: write the raw
 * builder's documents for a stream the store just stored, then compare the stored sources, and check that every derived
 * search field the store fills (possibly indexed but left out of `_source`) is filled on the raw side too.
 */
export async function verifySameDocuments(ctx: Pick<BenchContext, 'store' | 'storeClient' | 'names' | 'gen' | 'rawIndex'>): Promise<void> {
  const s = ctx.gen.stream('verify', 3);
  const r = await ctx.store.appendToStream(s.aggregateId, s.events, {
    aggregateType: s.aggregateType,
    expectedVersion: 'no_stream',
    context: ctx.gen.context(s),
  });
  const ids = r.events.map((e) => eventDocumentId(e.aggregateId, e.version));
  const operations = r.events.flatMap((e, i) => [{ index: { _index: ctx.rawIndex, _id: ids[i] } }, searchDocument(e, SEARCH_FIELDS)]);
  assertBulkOk(await ctx.storeClient.bulk({ operations, refresh: true }), 'verification documents');
  await ctx.storeClient.indices.refresh({ index: ctx.names.events });
  const [stored, raw] = await Promise.all(
    [ctx.names.events, ctx.rawIndex].map((index) => ctx.storeClient.mget<Record<string, unknown>>({ index, ids })),
  );
  stored.docs.forEach((d, i) => {
    const got = 'found' in d && d.found ? canonical(d._source) : 'missing';
    const rd = raw.docs[i];
    const want = 'found' in rd && rd.found ? canonical(rd._source) : 'missing';
    if (got !== want)
      throw new Error(
        `the raw baseline's documents differ from the store's (update bench/core/raw-documents.ts):\n store: ${got.slice(0, 600)}\n raw:   ${want.slice(0, 600)}`,
      );
  });
  const fields = [
    'text',
    'dataFlat',
    ...(SEARCH_FIELDS.numeric ?? []).map((f) => `num.${f.name}`),
    ...(SEARCH_FIELDS.keyword ?? []).map((f) => `kw.${f.name}`),
  ];
  for (const field of fields) {
    const counts = await Promise.all(
      [ctx.names.events, ctx.rawIndex].map(
        async (index) =>
          (await ctx.storeClient.count({ index, query: { bool: { filter: [{ ids: { values: ids } }, { exists: { field } }] } } })).count,
      ),
    );
    if (counts[0] !== counts[1])
      throw new Error(
        `the store fills search field ${field} on ${counts[0]} documents, the raw baseline on ${counts[1]} (update bench/core/raw-documents.ts)`,
      );
  }
}

function dataInfo(gen: DataGenerator): DataInfo {
  let env = 0;
  let doc = 0;
  let n = 0;
  for (let i = 0; i < 40; i++) {
    const s = gen.stream(`size-${i}`, 10);
    for (const e of gen.envelopes(s, 0, s.events.length, 1)) {
      env += Buffer.byteLength(JSON.stringify(e));
      doc += Buffer.byteLength(JSON.stringify(searchDocument(e, SEARCH_FIELDS)));
      n++;
    }
  }
  return {
    seed: gen.seed,
    organizations: ORGANIZATIONS,
    users: USERS,
    avgEnvelopeBytes: Math.round(env / n),
    avgSearchDocumentBytes: Math.round(doc / n),
  };
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').toLowerCase();
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const started = new Date();
  const t0 = now();
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const progress: Progress = {
    step: (scenario, message) => log(`[${((now() - t0) / 1000).toFixed(1).padStart(6)}s] ${String(scenario).padEnd(2)} ${message}`),
  };
  const scale = options.scale;
  const sizes = structuredClone(SIZES[scale]);
  if (options.searchEvents) sizes.search.events = options.searchEvents;
  const esNode = resolveElasticsearchUrl(options.esNode);
  const storeClient = makeClient(esNode);
  const rawClient = makeClient(esNode);
  const prefix = `bench-${stamp(started)}-${randomBytes(2).toString('hex')}`;
  const names = indexNames(prefix);
  const gen = new DataGenerator(options.seed ?? 'gyroscops-bench-1');
  const notes: string[] = [];
  const rows: Row[] = [];
  const serviceMode = options.service ?? 'process';
  let service: ServiceHandle | null = null;
  const store = new ElasticsearchEventStore({ client: storeClient, indexPrefix: prefix, searchFields: SEARCH_FIELDS });
  const es = await elasticsearchInfo(storeClient, esNode);
  progress.step(
    '-',
    `${scale} run on ${machineInfo().cores} cores, Node ${process.version}, Elasticsearch ${es.version} at ${esNode}, index prefix ${prefix}`,
  );

  const benchMemory = new MemorySampler(ownRssMb).start();
  let serviceMemory: MemorySampler | null = null;
  try {
    await store.setup();
    const rawIndex = `${prefix}-raw-events`;
    await createTwinIndex(storeClient, names.events, rawIndex);
    await verifySameDocuments({ store, storeClient, names, gen, rawIndex });
    progress.step('-', 'indices ready; the raw baseline writes the same documents as the store (checked)');

    let serviceMissing: string | null = null;
    let serviceIdleRssMb: number | null = null;
    if (serviceMode === 'none') serviceMissing = 'run with --service=none';
    else {
      try {
        service = await startService({
          mode: serviceMode,
          esNode,
          indexPrefix: prefix,
          buildDir: options.serviceBuildDir,
          nodeFlags: options.serviceNodeFlags,
          runners: options.serviceRunners,
        });
        // Tokens are signed before any clock starts (signing is a client's cost, paid once per session).
        for (const u of gen.users) service.token(u.userId, u.organizationId);
        await sleep(500);
        serviceIdleRssMb = service.rssMb();
        serviceMemory = new MemorySampler(() => service?.rssMb() ?? null).start();
        progress.step(
          '-',
          `service up (${service.mode}) at ${service.baseUrl}, RSS ${serviceIdleRssMb?.toFixed(0) ?? 'n/a'} MB, ${service.routes.size} routes documented` +
            (service.mode === 'process' ? `, node flags: ${service.nodeFlags.join(' ') || 'none'}` : ''),
        );
      } catch (e) {
        serviceMissing = `the service did not start: ${(e as Error).message.split('\n')[0]}`;
        notes.push(serviceMissing);
        progress.step('-', serviceMissing);
      }
    }

    const ctx: BenchContext = {
      scale,
      sizes,
      prefix,
      names,
      rawIndex,
      storeClient,
      rawClient,
      store,
      esNode,
      gen,
      service,
      serviceMissing,
      progress,
      benchMemory,
      serviceMemory,
      serviceIdleRssMb,
      notes,
    };
    for (const scenario of SCENARIOS) {
      if (options.only && !options.only.includes(scenario.scenario)) continue;
      progress.step(scenario.scenario, `── ${scenario.title}`);
      try {
        rows.push(...(await scenario.run(ctx)));
      } catch (e) {
        progress.step(scenario.scenario, `FAILED: ${(e as Error).stack ?? String(e)}`);
        rows.push(failedRow(scenario.scenario, `${scenario.scenario}.failed`, scenario.title, e));
      }
    }
    if (ctx.scale !== 'full') notes.push(`${scale} mode: smaller data and fewer rounds than the full run; figures are indicative only`);
    if (service?.mode === 'in-process') notes.push('the service ran inside the bench process: HTTP figures share its CPU and memory');
    if (service && !options.serviceRunners)
      notes.push('the service ran without its projection and saga runners (request path only; --service-runners turns them on)');
  } finally {
    benchMemory.stop();
    serviceMemory?.stop();
    await service?.close().catch(() => undefined);
    await store.close();
    if (!options.keep) {
      const dropped = await dropPrefix(storeClient, prefix).catch(() => []);
      progress.step('-', `deleted ${dropped.length} indices of ${prefix}`);
    } else progress.step('-', `kept the indices of ${prefix} (--keep)`);
    await storeClient.close();
    await rawClient.close();
  }
  const finished = new Date();
  return {
    tool: 'gyroscops-bench',
    formatVersion: 1,
    scale,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationSeconds: Math.round((now() - t0) / 100) / 10,
    indexPrefix: prefix,
    indicesKept: !!options.keep,
    serviceMode: service?.mode ?? 'none',
    serviceNodeFlags: service?.nodeFlags ?? [],
    serviceRunners: !!options.serviceRunners,
    machine: machineInfo(),
    elasticsearch: es,
    data: dataInfo(gen),
    rows,
    notes,
  };
}
