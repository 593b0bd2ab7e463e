import type { estypes } from '@elastic/elasticsearch';
import type { StoredEvent } from '@gyroscops/event-store';
import { SEARCH_FIELDS } from '../../src/search-fields';
import { fmtRate, row, type BenchContext } from '../core/context';
import { assertBulkOk, countDocs, setRefreshInterval } from '../core/elasticsearch';
import type { GeneratedStream } from '../core/generator';
import { runClients, Tally } from '../core/measure';
import { Rng } from '../core/random';
import { eventDocumentId, searchDocument } from '../core/raw-documents';
import type { Row } from '../core/types';

export interface Dataset {
  loadedEvents: number;
  totalEvents: number;
  windowFrom: Date;
  windowTo: Date;
  rows: Row[];
}

let loading: Promise<Dataset> | null = null;
let loadedFor: BenchContext | null = null;

/**
 * The data set scenarios 5 and 6 query: the store's events index topped up to `sizes.search.events` events through the
 * store's own append path (streams of 5-60 events, many appends in flight so group commit packs them), and in full
 * runs the same documents (the store's returned envelopes) bulk-loaded into the raw index chunk by chunk, so both load
 * rates are measured on identical documents in the same run. Refresh is off during the load, then one refresh.
 */
export function ensureDataset(ctx: BenchContext): Promise<Dataset> {
  if (!loading || loadedFor !== ctx) {
    loadedFor = ctx;
    loading = load(ctx);
  }
  return loading;
}

async function load(ctx: BenchContext): Promise<Dataset> {
  const { gen, store, names } = ctx;
  const { events: target, chunkEvents, appendConcurrency, rawBulkDocs, rawLoad } = ctx.sizes.search;
  const indices = [names.events, names.log, names.eventIds, names.streams, ctx.rawIndex];
  const existing = await countDocs(ctx.storeClient, names.events);
  const toLoad = Math.max(0, target - existing);
  ctx.progress.step(
    5,
    `loading ${fmtRate(toLoad)} events (the index already holds ${fmtRate(existing)} from scenarios 1-4) to reach ${fmtRate(target)}`,
  );
  const storeTally = new Tally();
  const rawTally = new Tally();
  const windowFrom = new Date();
  await setRefreshInterval(ctx.storeClient, indices, '-1');
  try {
    let loaded = 0;
    let streamNo = 0;
    const lengths = new Rng(`${gen.seed}:dataset-lengths`);
    while (loaded < toLoad) {
      const streams: GeneratedStream[] = [];
      let inChunk = 0;
      while (inChunk < chunkEvents && loaded + inChunk < toLoad) {
        const len = Math.min(lengths.int(5, 60), toLoad - loaded - inChunk);
        streams.push(gen.stream(`d${streamNo++}`, len));
        inChunk += len;
      }
      const envelopes: StoredEvent[][] = new Array<StoredEvent[]>(streams.length);
      const storeMs = await runClients(streams.length, appendConcurrency, async (k) => {
        const s = streams[k];
        const r = await store.appendToStream(s.aggregateId, s.events, {
          aggregateType: s.aggregateType,
          expectedVersion: 'no_stream',
          context: gen.context(s),
        });
        envelopes[k] = r.events;
      });
      storeTally.add(inChunk, storeMs);
      loaded += inChunk;
      if (!rawLoad) {
        ctx.progress.step(5, `loaded ${fmtRate(loaded)}/${fmtRate(toLoad)}: store ${fmtRate((inChunk * 1000) / storeMs)} events/s`);
        continue;
      }
      const docs = envelopes.flat().map((e) => ({ id: eventDocumentId(e.aggregateId, e.version), doc: searchDocument(e, SEARCH_FIELDS) }));
      const bulks: estypes.BulkRequest['operations'][] = [];
      for (let i = 0; i < docs.length; i += rawBulkDocs) {
        bulks.push(docs.slice(i, i + rawBulkDocs).flatMap(({ id, doc }) => [{ create: { _index: ctx.rawIndex, _id: id } }, doc]));
      }
      const rawMs = await runClients(bulks.length, 2, async (k) =>
        assertBulkOk(await ctx.rawClient.bulk({ operations: bulks[k] }), 'raw load'),
      );
      rawTally.add(inChunk, rawMs);
      ctx.progress.step(
        5,
        `loaded ${fmtRate(loaded)}/${fmtRate(toLoad)}: store ${fmtRate((inChunk * 1000) / storeMs)} events/s, raw _bulk ${fmtRate((inChunk * 1000) / rawMs)} events/s`,
      );
    }
  } finally {
    await setRefreshInterval(ctx.storeClient, indices, '1s');
  }
  const windowTo = new Date();
  const totalEvents = await countDocs(ctx.storeClient, names.events);
  await ctx.storeClient.indices.refresh({ index: indices });
  ctx.dataset = { loadedEvents: toLoad, totalEvents, windowFrom, windowTo };
  const rows =
    toLoad > 0
      ? [
          row({
            scenario: 5,
            key: '5.load',
            title: `Loading the search data set (${fmtRate(toLoad)} events in streams of 5-60)${rawLoad ? ' vs _bulk of the same documents' : ''}`,
            via: 'library',
            unit: 'events/s',
            service: storeTally.rate,
            baseline: rawLoad ? rawTally.rate : null,
            note: rawLoad
              ? `store: ${appendConcurrency} appends in flight (group commit); raw: ${rawBulkDocs} documents per _bulk, 2 in flight; refresh off on both`
              : `${ctx.scale} mode loads the store only (no raw copy): no baseline`,
            details: {
              events: toLoad,
              storeSeconds: storeTally.ms / 1000,
              rawSeconds: rawTally.ms / 1000,
              totalEventsInIndex: totalEvents,
            },
          }),
        ]
      : [];
  return { loadedEvents: toLoad, totalEvents, windowFrom, windowTo, rows };
}
