/**
 * Where an append's time goes: runs batched (8 clients x 100 events) and single-event (32 clients) appends through the
 * library with every Elasticsearch round trip timed and classified by protocol step, next to the raw writes of the same
 * documents. Usage: node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/tools/trace-appends.ts [appends] [--max-batches=N]
 *   [--only=batched|single] [--sides=library,raw,...] [--no-claim]
 */
import type { Client } from '@elastic/elasticsearch';
import { ElasticsearchEventStore, indexNames, type IndexNames } from '@gyroscops/event-store/elasticsearch';
import { SEARCH_FIELDS } from '../../src/search-fields';
import { cpuSnapshot } from '../core/cpu';
import { createTwinIndex, dropPrefix, makeClient, resolveElasticsearchUrl } from '../core/elasticsearch';
import { DataGenerator } from '../core/generator';
import { latencyStats, now, ownCpuMs, runClients } from '../core/measure';
import { eventDocumentId, searchDocument } from '../core/raw-documents';

interface Call {
  step: string;
  ms: number;
  bytes: number;
}

function classify(names: IndexNames, method: string, path: string, body: string): string {
  if (path.endsWith('/_doc/position')) return method === 'GET' ? 'allocate: read counter' : 'allocate: CAS counter';
  if (path === `/${names.streams}/_mget`) return 'read stream heads (mget)';
  if (path === `/${names.eventIds}/_mget`) return 'locate client event ids (mget)';
  if (path === '/_mget') return 'read stream heads + client event ids (mget)';
  if (path === '/_bulk') {
    const first = JSON.parse(body.slice(0, body.indexOf('\n'))) as Record<string, { _index?: string }>;
    const [op, meta] = Object.entries(first)[0];
    if (meta._index === names.streams) return body.includes('"pending":null') ? 'finalize heads (bulk)' : `lock heads (bulk ${op})`;
    if (meta._index === names.meta) return 'claim positions + lock heads (bulk)';
    if (meta._index === names.log)
      return body.includes('"kind":"commit"') ? 'commit log documents (bulk create)' : 'tombstones (bulk create)';
    if (meta._index === names.events) return 'event + event-id documents (bulk)';
    return `raw bulk ${op}`;
  }
  if (path.includes('/_create/')) return 'raw _create';
  return `${method} ${path.replace(/\/[^/]*$/, '/…')}`;
}

function trace(client: Client, names: IndexNames, calls: Call[]): void {
  const started = new Map<unknown, { t: number; step: string; bytes: number }>();
  client.diagnostic.on('request', (_e, r) => {
    if (!r) return;
    const p = r.meta.request.params;
    const body = typeof p.body === 'string' ? p.body : '';
    started.set(r.meta.request.id, { t: now(), step: classify(names, p.method, p.path, body), bytes: Buffer.byteLength(body) });
  });
  client.diagnostic.on('response', (_e, r) => {
    const s = r ? started.get(r.meta.request.id) : undefined;
    if (!r || !s) return;
    started.delete(r.meta.request.id);
    calls.push({ step: s.step, ms: now() - s.t, bytes: s.bytes });
  });
}

interface IndexCounters {
  docs: number;
  ms: number;
  refreshes: number;
  refreshMs: number;
  gets: number;
  getMs: number;
  mergeMs: number;
}
type IndexingStats = Map<string, IndexCounters> & { esCpuMs?: number };

/** Elasticsearch's own counters per index (indexing, refreshes, realtime gets, merges) and its process CPU. */
async function indexing(client: Client, prefix: string): Promise<IndexingStats> {
  const r = await client.indices.stats({ index: `${prefix}-*`, metric: ['indexing', 'refresh', 'get', 'merge'] });
  const out: IndexingStats = new Map();
  for (const [name, s] of Object.entries(r.indices ?? {})) {
    const p = s.primaries;
    out.set(name.slice(prefix.length + 1), {
      docs: p?.indexing?.index_total ?? 0,
      ms: p?.indexing?.index_time_in_millis ?? 0,
      refreshes: p?.refresh?.total ?? 0,
      refreshMs: p?.refresh?.total_time_in_millis ?? 0,
      gets: p?.get?.total ?? 0,
      getMs: p?.get?.time_in_millis ?? 0,
      mergeMs: p?.merges?.total_time_in_millis ?? 0,
    });
  }
  const cpu = await cpuSnapshot(client, null);
  if (cpu.es !== null) out.esCpuMs = cpu.es;
  return out;
}

function indexingReport(before: IndexingStats, after: IndexingStats, events: number): void {
  const zero: IndexCounters = { docs: 0, ms: 0, refreshes: 0, refreshMs: 0, gets: 0, getMs: 0, mergeMs: 0 };
  const rows = [...after]
    .map(([name, a]) => {
      const b = before.get(name) ?? zero;
      const d = Object.fromEntries(Object.keys(zero).map((k) => [k, a[k as keyof IndexCounters] - b[k as keyof IndexCounters]]));
      return { name, ...(d as unknown as IndexCounters) };
    })
    .filter((x) => x.docs > 0 || x.gets > 0 || x.refreshes > 0);
  const total = rows.reduce((s, x) => s + x.ms, 0);
  const cpu = after.esCpuMs !== undefined && before.esCpuMs !== undefined ? after.esCpuMs - before.esCpuMs : null;
  process.stdout.write(
    `  Elasticsearch indexing: ${total} ms in all (${((total * 1000) / events).toFixed(0)} ms per 1k events); ` +
      `process CPU ${cpu === null ? '?' : `${((cpu * 1000) / events).toFixed(0)} ms per 1k events`}\n`,
  );
  for (const x of rows.sort((a, b) => b.ms - a.ms)) {
    process.stdout.write(
      `    ${x.name.padEnd(14)} ${String(x.docs).padStart(7)} docs (${(x.docs / events).toFixed(2)} per event) ${String(x.ms).padStart(6)} ms; ` +
        `refresh ${x.refreshes}x ${x.refreshMs} ms; get ${x.gets}x ${x.getMs} ms; merge ${x.mergeMs} ms\n`,
    );
  }
}

function report(title: string, calls: Call[], wallMs: number, appends: number, events: number, cpuMs: number): void {
  const steps = new Map<string, Call[]>();
  for (const c of calls) steps.set(c.step, [...(steps.get(c.step) ?? []), c]);
  process.stdout.write(
    `\n${title}: ${appends} appends, ${events} events in ${(wallMs / 1000).toFixed(2)} s = ${Math.round((events * 1000) / wallMs)} events/s; ` +
      `${calls.length} requests (${(calls.length / appends).toFixed(2)} per append); Node CPU ${(cpuMs / events).toFixed(3)} ms per event\n`,
  );
  process.stdout.write(
    `  ${'step'.padEnd(38)} ${'calls'.padStart(6)} ${'p50 ms'.padStart(8)} ${'mean ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'KB/call'.padStart(8)}\n`,
  );
  for (const [step, cs] of [...steps].sort((a, b) => b[1].length - a[1].length)) {
    const st = latencyStats(cs.map((c) => c.ms));
    const kb = cs.reduce((s, c) => s + c.bytes, 0) / cs.length / 1024;
    process.stdout.write(
      `  ${step.padEnd(38)} ${String(cs.length).padStart(6)} ${st.p50Ms.toFixed(1).padStart(8)} ${st.meanMs.toFixed(1).padStart(8)} ${st.p99Ms.toFixed(1).padStart(8)} ${kb.toFixed(1).padStart(8)}\n`,
    );
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const appends = Number(args.find((a) => /^\d+$/.test(a)) ?? 64);
  const maxBatches = Number(args.find((a) => a.startsWith('--max-batches='))?.split('=')[1] ?? 0) || undefined;
  const node = resolveElasticsearchUrl();
  const client = makeClient(node);
  const prefix = `bench-trace-${Date.now().toString(36)}`;
  const names = indexNames(prefix);
  const gen = new DataGenerator('gyroscops-bench-trace');
  const store = new ElasticsearchEventStore({
    client,
    indexPrefix: prefix,
    searchFields: SEARCH_FIELDS,
    ...(maxBatches ? { maxConcurrentBatches: maxBatches } : {}),
    claimPositionsInLease: !args.includes('--no-claim'),
  });
  let run = 0;
  const calls: Call[] = [];
  try {
    await store.setup();
    const raw = `${prefix}-raw-events`;
    await createTwinIndex(client, names.events, raw);
    trace(client, names, calls);
    const only = args.find((a) => a.startsWith('--only='))?.split('=')[1];
    const sides = (args.find((a) => a.startsWith('--sides='))?.split('=')[1] ?? 'raw,library,raw,library').split(',');
    for (const [label, size, clients, count] of [
      ['batched (100 events/append)', 100, 8, appends],
      ['single-event', 1, 32, appends * 8],
    ] as const) {
      if (only && !label.startsWith(only)) continue;
      for (const side of sides as ('raw' | 'library')[]) {
        const streams = Array.from({ length: count }, (_, i) => gen.stream(`t${run}-${i}`, size));
        const docs = streams.map((s) =>
          gen
            .envelopes(s, 0, size, 1)
            .map((e) => ({ id: eventDocumentId(e.aggregateId, e.version), doc: searchDocument(e, SEARCH_FIELDS) })),
        );
        run++;
        calls.length = 0;
        const stats0 = await indexing(client, prefix);
        const cpu0 = ownCpuMs();
        const ms = await runClients(count, clients, async (i) => {
          const s = streams[i];
          if (side === 'library')
            await store.appendToStream(s.aggregateId, s.events, {
              aggregateType: s.aggregateType,
              expectedVersion: 'no_stream',
              context: gen.context(s),
            });
          else if (size === 1) await client.create({ index: raw, id: docs[i][0].id, document: docs[i][0].doc });
          else await client.bulk({ operations: docs[i].flatMap(({ id, doc }) => [{ create: { _index: raw, _id: id } }, doc]) });
        });
        report(`${label} ${side}`, [...calls], ms, count, count * size, ownCpuMs() - cpu0);
        indexingReport(stats0, await indexing(client, prefix), count * size);
      }
    }
  } finally {
    await store.close();
    await dropPrefix(client, prefix);
    await client.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
