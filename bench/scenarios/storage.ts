import type { Client, estypes } from '@elastic/elasticsearch';
import { type StoredEvent } from '@gyroscops/event-store';
import { ElasticsearchEventStore } from '@gyroscops/event-store/elasticsearch';
import { SEARCH_FIELDS } from '../../src/search-fields';
import { fmtRate, row, type BenchContext, type Scenario } from '../core/context';
import { assertBulkOk } from '../core/elasticsearch';
import { runClients } from '../core/measure';
import { Rng } from '../core/random';
import type { Row } from '../core/types';

/**
 * The seed design's events index (the original design note): one document per event, keyword envelope fields,
 * `eventData` and `metadata` plain objects under Elasticsearch's default dynamic mapping (strings become text with a
 * keyword sub-field; numbers double), default codec. The baseline the store's disk cost is compared with.
 */
export const SEED_EVENTS_MAPPING: estypes.MappingTypeMapping = {
  // Every JSON number maps as double: under the default dynamic mapping `0` and `5.5` in the same leaf race to map
  // it as long and as float, and the loser is refused (seen in a bench smoke run: `items.taxRate`).
  dynamic_templates: [
    { integers_as_double: { match_mapping_type: 'long', mapping: { type: 'double' } } },
    { decimals_as_double: { match_mapping_type: 'double', mapping: { type: 'double' } } },
  ],
  properties: {
    eventId: { type: 'keyword' },
    aggregateId: { type: 'keyword' },
    aggregateType: { type: 'keyword' },
    eventType: { type: 'keyword' },
    eventData: { type: 'object' },
    version: { type: 'integer' },
    timestamp: { type: 'date' },
    correlationId: { type: 'keyword' },
    causationId: { type: 'keyword' },
    metadata: { type: 'object' },
  },
};

export interface IndexSize {
  index: string;
  docs: number;
  bytes: number;
}

/**
 * Waits until every shard copy's retention leases have moved past its last operation (up to `timeoutMs`). Until then
 * merges keep `_recovery_source`, the copy of the original source Elasticsearch retains for operation-based recovery
 * of recent writes when `_source` is filtered; a steady-state history has none.
 */
export async function waitForRetentionLeases(client: Client, indices: string[], timeoutMs = 90_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = (await client.indices.stats({ index: indices, level: 'shards', metric: ['docs'] })) as unknown as {
      indices?: Record<string, { shards?: Record<string, ShardStats[]> }>;
    };
    const behind = Object.values(stats.indices ?? {}).some((i) =>
      Object.values(i.shards ?? {}).some((copies) =>
        copies.some((c) =>
          (c.retention_leases?.leases ?? []).some((l) => Number(l.retaining_seq_no) <= Number(c.seq_no?.max_seq_no ?? -1)),
        ),
      ),
    );
    if (!behind) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

interface ShardStats {
  seq_no?: { max_seq_no?: number };
  retention_leases?: { leases?: { retaining_seq_no?: number }[] };
}

/**
 * Primary store size of each index after a refresh and a force-merge to one segment (deleted documents expunged);
 * with `settle`, once the retention leases have passed the last write (no `_recovery_source` left to carry).
 */
export async function compactedSizes(client: Client, indices: string[], settle = true): Promise<IndexSize[]> {
  await client.indices.refresh({ index: indices });
  await client.indices.flush({ index: indices });
  if (settle && !(await waitForRetentionLeases(client, indices)))
    throw new Error('the retention leases did not pass the last write within 90 s: sizes would include _recovery_source');
  await client.indices.forcemerge({ index: indices, max_num_segments: 1, flush: true, wait_for_completion: true });
  await client.indices.refresh({ index: indices });
  const stats = await client.indices.stats({ index: indices, metric: ['store', 'docs'] });
  return indices.map((index) => {
    const p = stats.indices?.[index]?.primaries;
    return { index, docs: Number(p?.docs?.count ?? 0), bytes: Number(p?.store?.size_in_bytes ?? 0) };
  });
}

/** Every index whose name starts with `<prefix>-` (the store's six, and any a later version adds). */
async function indicesOf(client: Client, prefix: string): Promise<string[]> {
  const r = await client.indices.get({ index: `${prefix}-*`, expand_wildcards: 'all' });
  return Object.keys(r)
    .filter((n) => n.startsWith(`${prefix}-`))
    .sort();
}

/** Where the events index's bytes go, per field (Elasticsearch's `_disk_usage`), largest first. */
async function fieldBreakdown(client: Client, index: string, events: number, top = 8): Promise<Record<string, number>> {
  try {
    const r = (await client.indices.diskUsage({ index, run_expensive_tasks: true })) as unknown as Record<
      string,
      { fields?: Record<string, { total_in_bytes?: number }> }
    >;
    const fields = Object.entries(r[index]?.fields ?? {})
      .map(([f, u]) => [f, Number(u.total_in_bytes ?? 0)] as const)
      .sort((a, b) => b[1] - a[1])
      .slice(0, top);
    return Object.fromEntries(fields.map(([f, b]) => [f, Math.round((b / events) * 10) / 10]));
  } catch {
    return {};
  }
}

/**
 * Bulk-indexes envelopes into the seed index. Under dynamic mapping two documents of one bulk can race to map the
 * same new leaf differently (`0` as long, `5.5` as float): the loser is refused once, then indexed against the
 * mapping the winner set, as the seed design would in production.
 */
async function indexSeedDocuments(client: Client, index: string, events: StoredEvent[]): Promise<void> {
  const operations = events.flatMap((e) => [{ index: { _index: index, _id: e.eventId } }, e]);
  const r = await client.bulk({ operations });
  if (!r.errors) return;
  const again = events.filter((_, i) => (Object.values(r.items[i])[0]?.status ?? 500) >= 300);
  assertBulkOk(await client.bulk({ operations: again.flatMap((e) => [{ index: { _index: index, _id: e.eventId } }, e]) }), 'seed index');
}

/** Append sizes of one stream: mostly small commands, some larger batches (mean about 5 events). */
function appendSizes(rng: Rng, length: number): number[] {
  const out: number[] = [];
  for (let left = length; left > 0;) {
    const k = Math.min(left, rng.pick([1, 1, 2, 3, 5, 8, 13]));
    out.push(k);
    left -= k;
  }
  return out;
}

/**
 * Scenario 8: disk bytes per event. A store of its own (index prefix `<run>-st`) receives `streams` streams of
 * `eventsPerStream` events through the library, in appends of 1-13 events with client event ids (as commands send
 * them). The same envelopes, read back from the store's global log, go into one index with the seed design's mapping.
 * Both sides are refreshed and force-merged; the figure is primaries' store size over the number of events.
 */
export const storage: Scenario = {
  scenario: 8,
  title: 'Disk per event: the store indices vs the seed design single index',
  run: async (ctx: BenchContext): Promise<Row[]> => {
    const { streams, eventsPerStream, clients, settle } = ctx.sizes.storage;
    const client = ctx.storeClient;
    const prefix = `${ctx.prefix}-st`;
    const seedIndex = `${ctx.prefix}-seed-events`;
    const store = new ElasticsearchEventStore({ client, indexPrefix: prefix, searchFields: SEARCH_FIELDS });
    try {
      await store.setup();
      await client.indices.create({
        index: seedIndex,
        settings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '1s' },
        mappings: SEED_EVENTS_MAPPING,
      });
      const total = streams * eventsPerStream;
      ctx.progress.step(8, `appending ${fmtRate(total)} events (${streams} streams of ${eventsPerStream}) to a store of their own`);
      const rng = new Rng(`${ctx.gen.seed}:storage-appends`);
      const plans = Array.from({ length: streams }, (_, i) => ({
        stream: ctx.gen.stream(`st${i}`, eventsPerStream),
        sizes: appendSizes(rng, eventsPerStream),
      }));
      let appends = 0;
      await runClients(plans.length, clients, async (i) => {
        const { stream: s, sizes } = plans[i];
        let at = 0;
        for (const k of sizes) {
          await store.appendToStream(s.aggregateId, s.events.slice(at, at + k), {
            aggregateType: s.aggregateType,
            expectedVersion: at === 0 ? 'no_stream' : at,
            context: ctx.gen.context(s),
          });
          at += k;
          appends++;
        }
      });

      // The seed side gets exactly the envelopes the store holds, in log order, one document per event (id: eventId).
      let after = 0;
      let copied = 0;
      for (;;) {
        const slice = await store.readAll({ after, maxCount: 1000 });
        if (slice.events.length > 0) {
          await indexSeedDocuments(client, seedIndex, slice.events);
          copied += slice.events.length;
        }
        after = slice.checkpoint;
        if (copied >= total || (slice.events.length === 0 && after >= slice.head)) break;
      }
      if (copied !== total) throw new Error(`the global log returned ${copied} events, ${total} were appended`);
      ctx.progress.step(8, `${fmtRate(appends)} appends stored; ${fmtRate(copied)} envelopes copied to the seed index; force-merging`);

      const storeIndices = await indicesOf(client, prefix);
      const sizes = await compactedSizes(client, [...storeIndices, seedIndex], settle);
      const seed = sizes.pop() as IndexSize;
      const storeBytes = sizes.reduce((s, x) => s + x.bytes, 0);
      const perIndex = Object.fromEntries(sizes.map((x) => [`bytesPerEvent.${x.index.slice(prefix.length + 1)}`, round1(x.bytes / total)]));
      const breakdown = await fieldBreakdown(client, `${prefix}-events`, total);
      const line = Object.entries(perIndex)
        .map(([k, v]) => `${k.replace('bytesPerEvent.', '')} ${v}`)
        .join(', ');
      ctx.progress.step(
        8,
        `store ${round1(storeBytes / total)} bytes/event (${line}); seed design ${round1(seed.bytes / total)} bytes/event; ratio ${(storeBytes / seed.bytes).toFixed(2)}`,
      );
      return [
        row({
          scenario: 8,
          key: '8.storage',
          title: `Disk per event, ${fmtRate(total)} events in appends of 1-13 (primaries, force-merged) vs the seed design index`,
          via: 'library',
          unit: 'bytes/event',
          service: storeBytes / total,
          baseline: seed.bytes / total,
          target: { op: '<=', value: 2.0 },
          note: 'store: every index of its prefix, summed (per index in details); seed: one document per event, keyword fields, eventData an object, default codec',
          details: {
            events: total,
            streams,
            appends,
            storeBytes,
            seedBytes: seed.bytes,
            ...perIndex,
            ...Object.fromEntries(Object.entries(breakdown).map(([f, b]) => [`eventsField.${f}`, b])),
          },
        }),
      ];
    } finally {
      await store.close();
    }
  },
};

const round1 = (x: number): number => Math.round(x * 10) / 10;
