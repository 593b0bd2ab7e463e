import { randomUUID } from 'node:crypto';
import { WrongExpectedVersionError, type EventStore, type NewEvent } from '@gyroscops/event-store';
import { ElasticsearchEventStore } from '@gyroscops/event-store/elasticsearch';
import { SEARCH_FIELDS } from '../../src/search-fields';
import { bareProxyNote, startBareProxy, type BareProxy } from '../core/bare-proxy';
import { fmtRate, httpFor, rotated, row, type BenchContext, type Scenario } from '../core/context';
import { makeClient } from '../core/elasticsearch';
import type { GeneratedStream } from '../core/generator';
import { now, Tally } from '../core/measure';
import { eventDocumentId, searchDocument } from '../core/raw-documents';
import { ROUTES, type ServiceHandle } from '../core/service';

type Side = 'raw' | 'library' | 'library-2' | 'http' | 'proxy';

interface Outcome {
  successes: number;
  conflicts: number;
  ms: number;
}

const statusOf = (e: unknown): number | undefined => (e as { meta?: { statusCode?: number } })?.meta?.statusCode;

/** `clients` writers race on one stream for `seconds`; each retries after a conflict with what it learned. */
async function contend(
  clients: number,
  seconds: number,
  attempt: (client: number, known: number) => Promise<{ ok: true; version: number } | { ok: false; known: number }>,
): Promise<Outcome> {
  let successes = 0;
  let conflicts = 0;
  const start = now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      let known = 1;
      while (now() < end) {
        const r = await attempt(c, known);
        if (r.ok) {
          successes++;
          known = r.version;
        } else {
          conflicts++;
          known = r.known;
        }
      }
    }),
  );
  return { successes, conflicts, ms: now() - start };
}

export const hotAggregate: Scenario = {
  scenario: 3,
  title: 'One hot aggregate, 8 contending clients',
  run: async (ctx: BenchContext) => {
    const { rounds, seconds, clients } = ctx.sizes.hot;
    const { gen } = ctx;
    const http = httpFor(ctx, ROUTES.append);
    // A second store instance on the same indices: two service replicas contending, not just one process queueing.
    const secondClient = makeClient(ctx.esNode);
    const second = new ElasticsearchEventStore({ client: secondClient, indexPrefix: ctx.prefix, searchFields: SEARCH_FIELDS });
    await second.setup();
    const proxy: BareProxy | null = http.service ? await startBareProxy(ctx.esNode) : null;
    const sides: Side[] = ['raw', 'library', 'library-2', ...(http.service && proxy ? (['http', 'proxy'] as Side[]) : [])];
    const tally = new Map<Side, Tally & { conflicts: number }>(sides.map((s) => [s, Object.assign(new Tally(), { conflicts: 0 })]));
    const template = gen.stream('hot-template', 64);
    const nextEvent = (i: number): NewEvent => ({ ...template.events[i % template.events.length], eventId: randomUUID() });

    try {
      for (let r = 0; r < rounds; r++) {
        for (const side of rotated(sides, r)) {
          const s: GeneratedStream = { ...gen.stream(`hot-${side}-${r}`, 1, 'Payment') };
          let sent = 0;
          let outcome: Outcome;
          if (side === 'raw' || side === 'proxy') {
            const first = gen.envelopes(s, 0, 1, 1)[0];
            await ctx.rawClient.create({
              index: ctx.rawIndex,
              id: eventDocumentId(s.aggregateId, 1),
              document: searchDocument(first, SEARCH_FIELDS),
            });
            // The raw way to append at version v+1 atomically: create the document named after it; 409 = someone was first.
            outcome = await contend(clients, seconds, async (_c, known) => {
              const e = nextEvent(sent++);
              const doc = searchDocument(
                {
                  ...first,
                  eventId: e.eventId as string,
                  eventType: e.eventType,
                  eventData: e.eventData,
                  version: known + 1,
                  position: known + 1,
                  timestamp: new Date().toISOString(),
                },
                SEARCH_FIELDS,
              );
              const create = { index: ctx.rawIndex, id: eventDocumentId(s.aggregateId, known + 1), document: doc };
              // Through the bare proxy: the same create, one HTTP hop more (its answer says created or conflict).
              if (side === 'proxy')
                return (await (proxy as BareProxy).create(create)) === 'created'
                  ? { ok: true, version: known + 1 }
                  : { ok: false, known: known + 1 };
              try {
                await ctx.rawClient.create(create);
                return { ok: true, version: known + 1 };
              } catch (err) {
                if (statusOf(err) !== 409) throw err;
                return { ok: false, known: known + 1 };
              }
            });
          } else if (side === 'library' || side === 'library-2') {
            const stores: EventStore[] = side === 'library' ? [ctx.store] : [ctx.store, second];
            await ctx.store.appendToStream(s.aggregateId, s.events, {
              aggregateType: s.aggregateType,
              expectedVersion: 'no_stream',
              context: gen.context(s),
            });
            outcome = await contend(clients, seconds, async (c, known) => {
              try {
                const res = await stores[c % stores.length].appendToStream(s.aggregateId, [nextEvent(sent++)], {
                  aggregateType: s.aggregateType,
                  expectedVersion: known,
                  context: gen.context(s),
                });
                return { ok: true, version: res.version };
              } catch (err) {
                if (!(err instanceof WrongExpectedVersionError)) throw err;
                return { ok: false, known: err.actualVersion };
              }
            });
          } else {
            const svc = http.service as ServiceHandle;
            const token = svc.token(s.userId, s.organizationId);
            const path = `/v1/aggregates/${encodeURIComponent(s.aggregateId)}/events`;
            const created = await svc.http.send(
              'POST',
              path,
              token,
              JSON.stringify({ aggregateType: s.aggregateType, expectedVersion: 'no_stream', events: s.events }),
            );
            if (created.status !== 201) throw new Error(`HTTP append answered ${created.status}`);
            outcome = await contend(clients, seconds, async (_c, known) => {
              const body = JSON.stringify({ aggregateType: s.aggregateType, expectedVersion: known, events: [nextEvent(sent++)] });
              const res = await svc.http.send<{ version?: number; details?: { actualVersion?: number }; actualVersion?: number }>(
                'POST',
                path,
                token,
                body,
              );
              if (res.status === 201) return { ok: true, version: res.body.version as number };
              if (res.status !== 409) throw new Error(`HTTP append answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
              return { ok: false, known: res.body.details?.actualVersion ?? res.body.actualVersion ?? known + 1 };
            });
          }
          const t = tally.get(side) as Tally & { conflicts: number };
          t.add(outcome.successes, outcome.ms);
          t.conflicts += outcome.conflicts;
          const rate = (outcome.conflicts / (outcome.conflicts + outcome.successes)) * 100;
          ctx.progress.step(
            3,
            `round ${r + 1}/${rounds} ${side.padEnd(9)} ${outcome.successes} appends in ${(outcome.ms / 1000).toFixed(2)} s = ${fmtRate((outcome.successes * 1000) / outcome.ms)}/s, conflicts ${rate.toFixed(0)}%`,
          );
        }
      }
    } finally {
      await proxy?.close();
      await second.close();
      await secondClient.close();
    }

    const raw = tally.get('raw') as Tally & { conflicts: number };
    const conflictRate = (t: Tally & { conflicts: number }) => t.conflicts / (t.conflicts + t.work);
    const make = (side: Side, key: string, title: string, via: 'library' | 'http' | 'proxy', note?: string, target?: number) => {
      const t = tally.get(side);
      return row({
        scenario: 3,
        key,
        title,
        via,
        unit: 'appends/s',
        service: t ? t.rate : null,
        baseline: raw.rate,
        ...(target !== undefined ? { target: { op: '>=' as const, value: target } } : {}),
        ...(note ? { note } : {}),
        details: t
          ? { conflictRate: conflictRate(t), rawConflictRate: conflictRate(raw), successes: t.work, conflicts: t.conflicts }
          : { rawConflictRate: conflictRate(raw) },
      });
    };
    return [
      make('library', '3.library', `Hot aggregate, ${clients} clients, one store instance (successful appends)`, 'library'),
      make('library-2', '3.library-2', `Hot aggregate, ${clients} clients over two store instances`, 'library'),
      // Issue 16's target: the service as its users meet it.
      make(
        'http',
        '3.http',
        `Hot aggregate, ${clients} HTTP clients`,
        'http',
        http.service ? undefined : `not available: ${http.missing}`,
        0.4,
      ),
      ...(proxy
        ? [
            make(
              'proxy',
              '3.proxy',
              `Hot aggregate, ${clients} clients, raw CAS creates through the bare proxy`,
              'proxy',
              bareProxyNote("the raw side's compare-and-set creates", 'created or conflict'),
            ),
          ]
        : []),
    ];
  },
};
