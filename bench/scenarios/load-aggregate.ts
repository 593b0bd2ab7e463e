import type { ReadScope } from '@gyroscops/event-store';
import { fmtMs, httpFor, rotated, row, type Scenario } from '../core/context';
import { latencyStats, now } from '../core/measure';
import { eventDocumentId } from '../core/raw-documents';
import { ROUTES, type ServiceHandle } from '../core/service';
import type { Row } from '../core/types';

/** What readStream leaves out of `_source` (derived search fields): the raw mget asks for the same bytes. */
const SOURCE_EXCLUDES = ['dataFlat', 'metaFlat', 'text', 'num', 'kw'];

type Side = 'raw' | 'library' | 'http' | 'raw-snapshot' | 'library-snapshot';

export const loadAggregate: Scenario = {
  scenario: 4,
  title: 'Loading a 1,000-event aggregate vs raw mget',
  run: async (ctx) => {
    const { events, iterations, snapshotTail } = ctx.sizes.load;
    const { gen, store } = ctx;
    const http = httpFor(ctx, ROUTES.readStream);
    const s = gen.stream('load-1', events, 'Workflow');
    const context = gen.context(s);
    for (let from = 0; from < events; from += 100) {
      const chunk = s.events.slice(from, from + 100);
      await store.appendToStream(s.aggregateId, chunk, {
        aggregateType: s.aggregateType,
        expectedVersion: from === 0 ? 'no_stream' : from,
        context,
      });
    }
    const scope: ReadScope = { organizationId: s.organizationId, isAdmin: false };
    const snapshotVersion = events - snapshotTail;
    // A folded state of realistic size: the sort of thing a Workflow aggregate keeps.
    const state = {
      status: 'running',
      steps: Array.from({ length: 40 }, (_, i) => ({
        stepId: `step-${i}`,
        status: i % 7 === 0 ? 'failed' : 'completed',
        attempts: 1 + (i % 3),
      })),
    };
    await store.saveSnapshot(
      { aggregateId: s.aggregateId, aggregateType: s.aggregateType, version: snapshotVersion, schemaVersion: 1, state },
      scope,
    );
    const allIds = Array.from({ length: events }, (_, i) => eventDocumentId(s.aggregateId, i + 1));
    const tailIds = allIds.slice(snapshotVersion);
    const token = http.service ? http.service.token(s.userId, s.organizationId) : '';
    const path = `/v1/aggregates/${encodeURIComponent(s.aggregateId)}/events?maxCount=${events}`;

    const expect = (what: string, got: number, want: number) => {
      if (got !== want) throw new Error(`${what} returned ${got} events, expected ${want}`);
    };
    const once: Record<Side, () => Promise<void>> = {
      raw: async () => {
        const r = await ctx.rawClient.mget({ index: ctx.names.events, ids: allIds, _source_excludes: SOURCE_EXCLUDES });
        expect('raw mget', r.docs.filter((d) => 'found' in d && d.found).length, events);
      },
      library: async () => expect('readStream', (await store.readStream(s.aggregateId, scope)).events.length, events),
      http: async () => {
        const r = await (http.service as ServiceHandle).http.send<{ events?: unknown[] }>('GET', path, token);
        if (r.status !== 200) throw new Error(`HTTP read answered ${r.status}`);
        expect('HTTP read', r.body.events?.length ?? 0, events);
      },
      'raw-snapshot': async () => {
        const snap = await ctx.rawClient.get({ index: ctx.names.snapshots, id: s.aggregateId });
        if (!snap.found) throw new Error('raw snapshot get found nothing');
        const r = await ctx.rawClient.mget({ index: ctx.names.events, ids: tailIds, _source_excludes: SOURCE_EXCLUDES });
        expect('raw tail mget', r.docs.filter((d) => 'found' in d && d.found).length, snapshotTail);
      },
      'library-snapshot': async () => {
        const snap = await store.loadSnapshot(s.aggregateId, scope);
        if (!snap) throw new Error('loadSnapshot found nothing');
        expect(
          'tail readStream',
          (await store.readStream(s.aggregateId, scope, { fromVersion: snap.version + 1 })).events.length,
          snapshotTail,
        );
      },
    };
    const sides: Side[] = ['raw', 'library', ...(http.service ? (['http'] as Side[]) : []), 'raw-snapshot', 'library-snapshot'];
    const samples = new Map<Side, number[]>(sides.map((x) => [x, []]));
    for (let i = 0; i < iterations + 2; i++) {
      for (const side of rotated(sides, i)) {
        const t0 = now();
        await once[side]();
        if (i >= 2) samples.get(side)?.push(now() - t0); // two warm-up passes
      }
    }
    const st = (x: Side) => latencyStats(samples.get(x) ?? []);
    ctx.progress.step(4, sides.map((x) => `${x} p50 ${fmtMs(st(x).p50Ms)}`).join(', '));
    const target = { op: '<=' as const, value: 1.5 };
    const details = (svc: Side, base: Side) => ({
      serviceMeanMs: st(svc).meanMs,
      serviceP99Ms: st(svc).p99Ms,
      rawMeanMs: st(base).meanMs,
      rawP99Ms: st(base).p99Ms,
      iterations,
    });
    const rows: Row[] = [
      row({
        scenario: 4,
        key: '4.library',
        title: `Load a ${events}-event aggregate (readStream) vs mget of its ids`,
        via: 'library',
        unit: 'ms p50',
        service: st('library').p50Ms,
        baseline: st('raw').p50Ms,
        target,
        details: details('library', 'raw'),
      }),
      row({
        scenario: 4,
        key: '4.http',
        title: `Load a ${events}-event aggregate (GET /v1/aggregates/{id}/events) vs mget`,
        via: 'http',
        unit: 'ms p50',
        service: http.service ? st('http').p50Ms : null,
        baseline: st('raw').p50Ms,
        target,
        ...(http.service ? { details: details('http', 'raw') } : { note: `not available: ${http.missing}` }),
      }),
      row({
        scenario: 4,
        key: '4.snapshot.library',
        title: `Load with a snapshot (loadSnapshot + ${snapshotTail}-event tail) vs get + mget`,
        via: 'library',
        unit: 'ms p50',
        service: st('library-snapshot').p50Ms,
        baseline: st('raw-snapshot').p50Ms,
        target,
        note: 'the raw side knows the tail ids up front; the store reads the stream head first to learn the version',
        details: details('library-snapshot', 'raw-snapshot'),
      }),
    ];
    return rows;
  },
};
