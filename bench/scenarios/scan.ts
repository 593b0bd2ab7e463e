import { ProjectionEngine, type ProjectionDefinition } from '@gyroscops/projections';
import { fmtRate, row, type BenchContext, type Scenario } from '../core/context';
import { EVENT_TYPES } from '../core/generator';
import { now, sleep } from '../core/measure';
import { ensureDataset } from './dataset';

interface ActivityDocument {
  aggregateType: string;
  events: number;
  lastEventType: string;
  lastEventAt: string;
  amountMinor: number;
  organizationId: string;
}

/**
 * A read model of every stream's activity (event count, last event, summed amounts): every generated event folds
 * into one document, so the rebuild exercises the whole projection path (log read, fold, read-model bulk writes).
 */
export const activityProjection: ProjectionDefinition<ActivityDocument> = {
  name: 'bench-activity',
  version: 1,
  eventTypes: EVENT_TYPES,
  idOf: (e) => e.aggregateId,
  evolve: (doc, e) => ({
    aggregateType: e.aggregateType,
    events: (doc?.events ?? 0) + 1,
    lastEventType: e.eventType,
    lastEventAt: e.timestamp,
    amountMinor: (doc?.amountMinor ?? 0) + (typeof e.eventData.amountMinor === 'number' ? e.eventData.amountMinor : 0),
    organizationId: e.metadata.organizationId,
  }),
  mappings: {
    dynamic: false,
    properties: {
      aggregateType: { type: 'keyword' },
      events: { type: 'long' },
      lastEventType: { type: 'keyword' },
      lastEventAt: { type: 'date' },
      amountMinor: { type: 'long' },
    },
  },
};

/**
 * The bench projection built once by its live runner up to the head (timed too: a first build), then rebuilt blue/green
 * from position 0 through the projections library, timed from the request to the alias swap. The rebuild swaps when it
 * catches up with the live cursor, so the live one must be at the head first for the rebuild to replay everything.
 */
async function rebuild(ctx: BenchContext): Promise<{ events: number; ms: number; wallMs: number; firstBuildMs: number }> {
  const engine = new ProjectionEngine({ client: ctx.storeClient, store: ctx.store, indexPrefix: ctx.prefix });
  engine.register(activityProjection);
  let last = now();
  try {
    const head = await ctx.store.headPosition();
    const t0 = now();
    engine.start();
    await engine.waitForPosition(activityProjection.name, head, 60 * 60_000);
    const firstBuildMs = now() - t0;
    ctx.progress.step(
      6,
      `first build of the projection (live runner) to position ${fmtRate(head)} in ${(firstBuildMs / 1000).toFixed(1)} s`,
    );
    const t1 = now();
    const done = await engine.rebuild(activityProjection.name, {
      onProgress: (p) => {
        if (now() - last < 5000) return;
        last = now();
        ctx.progress.step(
          6,
          `rebuild: ${fmtRate(p.eventsDone)} positions done, ${fmtRate(p.eventsPerSecond)}/s, ${fmtRate(p.remaining)} remaining`,
        );
      },
    });
    const wallMs = now() - t1;
    // The library's own start and swap times, without the up to 1 s the follower takes to notice completion.
    const record = (await engine.status()).find((x) => x.name === activityProjection.name)?.lastRebuild;
    const recordedMs = record?.startedAt && record.completedAt ? Date.parse(record.completedAt) - Date.parse(record.startedAt) : NaN;
    return { events: done.eventsDone, ms: Number.isFinite(recordedMs) && recordedMs > 0 ? recordedMs : wallMs, wallMs, firstBuildMs };
  } finally {
    await engine.stop();
  }
}

const SOURCE_EXCLUDES = ['dataFlat', 'metaFlat', 'text', 'num', 'kw'];

/** Reads every event of the events index in index order with a point in time and search_after: the fastest raw full read. */
async function pitScan(ctx: BenchContext, pageSize: number): Promise<{ events: number; ms: number }> {
  const t0 = now();
  let pit = (await ctx.rawClient.openPointInTime({ index: ctx.names.events, keep_alive: '2m' })).id;
  let after: (string | number | null)[] | undefined;
  let events = 0;
  try {
    for (;;) {
      const r = await ctx.rawClient.search({
        pit: { id: pit, keep_alive: '2m' },
        size: pageSize,
        sort: [{ _shard_doc: 'asc' }],
        track_total_hits: false,
        _source: { excludes: SOURCE_EXCLUDES },
        ...(after ? { search_after: after } : {}),
      });
      pit = r.pit_id ?? pit;
      const hits = r.hits.hits;
      events += hits.length;
      if (hits.length < pageSize) break;
      after = hits[hits.length - 1].sort as (string | number | null)[];
    }
  } finally {
    await ctx.rawClient.closePointInTime({ id: pit }).catch(() => undefined);
  }
  return { events, ms: now() - t0 };
}

/** Reads the global log from the start through the library, as a projection rebuild does before applying anything. */
async function readAllScan(ctx: BenchContext, pageSize: number): Promise<{ events: number; ms: number }> {
  const t0 = now();
  const head = await ctx.store.headPosition();
  let after = 0;
  let events = 0;
  while (after < head) {
    const slice = await ctx.store.readAll({ after, maxCount: pageSize });
    events += slice.events.length;
    if (slice.checkpoint === after) await sleep(50); // an unresolved position: the reader waits for it, as a projection would
    after = slice.checkpoint;
  }
  return { events, ms: now() - t0 };
}

export const scan: Scenario = {
  scenario: 6,
  title: 'Projection rebuild rate vs a raw point-in-time scan',
  run: async (ctx) => {
    await ensureDataset(ctx);
    const { pageSize } = ctx.sizes.scan;
    const pit = await pitScan(ctx, pageSize);
    const pitRate = (pit.events * 1000) / pit.ms;
    ctx.progress.step(6, `raw PIT scan: ${fmtRate(pit.events)} events in ${(pit.ms / 1000).toFixed(1)} s = ${fmtRate(pitRate)} events/s`);
    const all = await readAllScan(ctx, pageSize);
    const allRate = (all.events * 1000) / all.ms;
    ctx.progress.step(
      6,
      `library readAll: ${fmtRate(all.events)} events in ${(all.ms / 1000).toFixed(1)} s = ${fmtRate(allRate)} events/s`,
    );

    const built = await rebuild(ctx);
    const builtRate = (built.events * 1000) / built.ms;
    ctx.progress.step(
      6,
      `projection rebuild: ${fmtRate(built.events)} log positions in ${(built.ms / 1000).toFixed(1)} s = ${fmtRate(builtRate)}/s`,
    );
    return [
      row({
        scenario: 6,
        key: '6.rebuild',
        title: 'Projection rebuild (blue/green, every event folded) vs raw PIT scan of the same events',
        via: 'library',
        unit: 'events/s',
        service: builtRate,
        baseline: pitRate,
        target: { op: '>=', value: 0.5 },
        note: "a bench projection through libs/projections (the service's own projections fold domain events the bench does not generate); timed by the library's own start and alias-swap times",
        details: {
          positions: built.events,
          seconds: built.ms / 1000,
          requestToReturnSeconds: built.wallMs / 1000,
          firstBuildSeconds: built.firstBuildMs / 1000,
          rawEvents: pit.events,
          rawSeconds: pit.ms / 1000,
        },
      }),
      row({
        scenario: 6,
        key: '6.readAll',
        title: "Reading the global log (readAll, a rebuild's input) vs raw PIT scan",
        via: 'library',
        unit: 'events/s',
        service: allRate,
        baseline: pitRate,
        note: 'not a rebuild: the read side alone, an upper bound for any projection rebuild',
        details: { events: all.events, seconds: all.ms / 1000, rawEvents: pit.events, rawSeconds: pit.ms / 1000, pageSize },
      }),
    ];
  },
};
