import { randomUUID } from 'node:crypto';
import { EventStoreClient, type LogSubscription } from '@gyroscops/event-store-client';
import { fmtMs, fmtRate, httpFor, row, rotated, type BenchContext, type Scenario } from '../core/context';
import { latencyStats, now, runClients, sleep, Tally } from '../core/measure';
import type { Row, Scale } from '../core/types';

/** Scenario 9's sizes per scale (kept here: no other scenario reads them). */
const SIZES: Record<Scale, { appends: number; writers: number; logEvents: number; pageSize: number; rounds: number }> = {
  smoke: { appends: 20, writers: 2, logEvents: 400, pageSize: 100, rounds: 1 },
  quick: { appends: 400, writers: 4, logEvents: 20_000, pageSize: 1000, rounds: 2 },
  full: { appends: 3000, writers: 8, logEvents: 200_000, pageSize: 1000, rounds: 3 },
};

const ROUTES = { log: 'get /v1/log', stream: 'get /v1/log/stream', groups: 'put /v1/consumer-groups/{group}' };

interface Latencies {
  sse: number[];
  group: number[];
  append: number[];
  /** Whether an instance of the service follows the log for consumer groups (its runners are on). */
  groupRunning: boolean;
}

/**
 * Append-to-delivery latency: `writers` clients append one event at a time (closed loop) to their own streams through
 * the service, while another service's follower receives them over `GET /v1/log/stream` and a consumer of a consumer
 * group by long poll, both through `@gyroscops/event-store-client`. Latency runs from just before the append is sent
 * to the moment the follower has the event; the baseline is the append's own round trip.
 */
async function deliveryLatency(ctx: BenchContext, baseUrl: string, token: string): Promise<Latencies> {
  const { appends, writers } = SIZES[ctx.scale];
  const client = new EventStoreClient({ baseUrl, token });
  const tag = `lat-${randomUUID().slice(0, 8)}`;
  const { head } = await client.readLog({ limit: 1 });
  const sent = new Map<string, number>();
  const out: Latencies = { sse: [], group: [], append: [], groupRunning: false };

  const follow: LogSubscription = client.followLog({ after: head, aggregateIdPrefix: tag });
  const following = (async () => {
    for await (const e of follow) {
      const t0 = sent.get(e.eventId);
      if (t0 !== undefined) out.sse.push(now() - t0);
      if (out.sse.length === appends) return;
    }
  })();
  const group = `bench-${tag}`;
  await client.putConsumerGroup(group, { filter: { aggregateIdPrefix: tag }, startFrom: head });
  // Groups are followed by the service's runners, which the bench's service runs only with --service-runners.
  let running = false;
  for (let i = 0; i < 30 && !running; i++) {
    running = (await client.getConsumerGroup(group)).state === 'running';
    if (!running) await sleep(100);
  }
  out.groupRunning = running;
  const stop = new AbortController();
  if (!running) stop.abort();
  const consuming = client.consume(group, {
    consumer: 'bench-consumer',
    max: 100,
    waitMs: 1000,
    signal: stop.signal,
    handler: (d) => {
      const t0 = sent.get(d.event.eventId);
      if (t0 !== undefined) out.group.push(now() - t0);
      if (out.group.length === appends) stop.abort();
    },
  });
  // The tail switches from catch-up to live within a moment of connecting; give it that moment.
  await sleep(500);

  await runClients(appends, writers, async (i, w) => {
    const eventId = randomUUID();
    const t0 = now();
    sent.set(eventId, t0);
    await client.append(`${tag}-w${w}`, {
      aggregateType: 'BenchLatency',
      expectedVersion: 'any',
      events: [{ eventId, eventType: 'Pinged', eventData: { i } }],
    });
    out.append.push(now() - t0);
  });

  const deadline = Date.now() + 30_000;
  const groupDone = () => !running || out.group.length >= appends;
  while ((out.sse.length < appends || !groupDone()) && Date.now() < deadline) await sleep(20);
  follow.close();
  stop.abort();
  await Promise.all([following, consuming]);
  await client.deleteConsumerGroup(group).catch(() => undefined);
  if (out.sse.length < appends || !groupDone()) {
    throw new Error(
      `only ${out.sse.length} (log stream) and ${out.group.length} (consumer group) of ${appends} events were delivered within 30 s`,
    );
  }
  return out;
}

/** Appends `count` events through the library (streams of 50, 32 in flight), so the log has something to read. */
async function fillLog(ctx: BenchContext, count: number): Promise<void> {
  const per = 50;
  const streams = Math.ceil(count / per);
  const key = randomUUID().slice(0, 6);
  await runClients(streams, 32, async (k) => {
    const s = ctx.gen.stream(`log-${key}-${k}`, Math.min(per, count - k * per));
    await ctx.store.appendToStream(s.aggregateId, s.events, {
      aggregateType: s.aggregateType,
      expectedVersion: 'no_stream',
      context: ctx.gen.context(s),
    });
  });
}

/** Reads the log from 0 to `head` through the library (`readAll`), as projections do. */
async function readAllRate(ctx: BenchContext, head: number, pageSize: number): Promise<{ events: number; ms: number }> {
  const t0 = now();
  let events = 0;
  for (let after = 0; after < head;) {
    const slice = await ctx.store.readAll({ after, maxCount: pageSize });
    events += slice.events.filter((e) => e.position <= head).length;
    if (slice.checkpoint === after) await sleep(20);
    after = slice.checkpoint;
  }
  return { events, ms: now() - t0 };
}

/** Reads the log from 0 to `head` through the service, page by page (`GET /v1/log`, an admin: every organization). */
async function httpPagesRate(client: EventStoreClient, head: number, pageSize: number): Promise<{ events: number; ms: number }> {
  const t0 = now();
  let events = 0;
  for (let after = 0; after < head;) {
    const page = await client.readLog({ after, limit: pageSize });
    events += page.events.filter((e) => e.position <= head).length;
    if (page.checkpoint === after) await sleep(20);
    after = page.checkpoint;
  }
  return { events, ms: now() - t0 };
}

/** Follows the log over Server-Sent Events from 0 until it has passed `head` (the stream's catch-up phase). */
async function sseCatchUpRate(client: EventStoreClient, head: number): Promise<{ events: number; ms: number }> {
  const t0 = now();
  let events = 0;
  const follow = client.followLog({ after: 0 });
  for await (const e of follow) {
    if (e.position <= head) events++;
    if (e.position >= head) break;
  }
  return { events, ms: now() - t0 };
}

export const logDelivery: Scenario = {
  scenario: 9,
  title: 'Following the log from another service: append-to-delivery latency, log delivery rate vs readAll',
  run: async (ctx) => {
    const sizes = SIZES[ctx.scale];
    const http = httpFor(ctx, ROUTES.stream);
    if (!http.service || !ctx.service?.routes.has(ROUTES.log) || !ctx.service.routes.has(ROUTES.groups)) {
      const note = `not available: ${http.missing ?? 'the service has no log or consumer-group routes'}`;
      return ['9.sse.p50', '9.sse.p99', '9.group.p50', '9.group.p99', '9.log-pages', '9.log-stream'].map((key) =>
        row({ scenario: 9, key, title: key, via: 'http', unit: '-', service: null, baseline: null, note }),
      );
    }
    const service = http.service;
    const user = ctx.gen.users[0];
    const writer = service.token(user.userId, user.organizationId);
    const admin = new EventStoreClient({ baseUrl: service.baseUrl, token: service.token(user.userId, user.organizationId, true) });

    const lat = await deliveryLatency(ctx, service.baseUrl, writer);
    const sse = latencyStats(lat.sse);
    const group = latencyStats(lat.group);
    const append = latencyStats(lat.append);
    ctx.progress.step(
      9,
      `${fmtRate(sizes.appends)} appends by ${sizes.writers} writers: append p50 ${fmtMs(append.p50Ms)} p99 ${fmtMs(append.p99Ms)}; ` +
        `delivered over SSE p50 ${fmtMs(sse.p50Ms)} p99 ${fmtMs(sse.p99Ms)}; ` +
        (lat.groupRunning
          ? `to a consumer group p50 ${fmtMs(group.p50Ms)} p99 ${fmtMs(group.p99Ms)}`
          : 'consumer group not measured (service runners off; --service-runners)'),
    );

    const before = await ctx.store.headPosition();
    if (before < sizes.logEvents) {
      const t0 = now();
      await fillLog(ctx, sizes.logEvents - before);
      ctx.progress.step(
        9,
        `appended ${fmtRate(sizes.logEvents - before)} events through the library in ${((now() - t0) / 1000).toFixed(1)} s`,
      );
    }
    const head = await ctx.store.headPosition();
    const library = new Tally();
    const pages = new Tally();
    const stream = new Tally();
    for (let round = 0; round < sizes.rounds; round++) {
      for (const side of rotated(['library', 'pages', 'stream'] as const, round)) {
        const r =
          side === 'library'
            ? await readAllRate(ctx, head, sizes.pageSize)
            : side === 'pages'
              ? await httpPagesRate(admin, head, sizes.pageSize)
              : await sseCatchUpRate(admin, head);
        (side === 'library' ? library : side === 'pages' ? pages : stream).add(r.events, r.ms);
      }
    }
    ctx.progress.step(
      9,
      `the log to position ${fmtRate(head)}: readAll ${fmtRate(library.rate)} events/s, GET /v1/log ${fmtRate(pages.rate)} events/s, ` +
        `GET /v1/log/stream ${fmtRate(stream.rate)} events/s (${sizes.rounds} rounds)`,
    );

    const latencyRow = (key: string, title: string, stats: typeof sse, p: 'p50Ms' | 'p99Ms', via: string): Row =>
      row({
        scenario: 9,
        key,
        title,
        via: 'http',
        unit: `ms ${p.slice(0, 3)}`,
        service: stats.count > 0 ? stats[p] : null,
        baseline: append[p],
        note:
          stats.count > 0
            ? `baseline: the append's own round trip (${p.slice(0, 3)}); delivery ${via}, measured from just before the append is sent`
            : "not available: the service's runners, which follow the log for consumer groups, are off in the bench by default (--service-runners turns them on)",
        details: { events: stats.count, meanMs: stats.meanMs, maxMs: stats.maxMs, writers: sizes.writers },
      });
    const rateRow = (key: string, title: string, t: Tally): Row =>
      row({
        scenario: 9,
        key,
        title,
        via: 'http',
        unit: 'events/s',
        service: t.rate,
        baseline: library.rate,
        note: "baseline: the library's readAll over the same positions in the same run (no HTTP, no JSON re-encoding)",
        details: { events: t.work / sizes.rounds, head, pageSize: sizes.pageSize, rounds: sizes.rounds },
      });
    return [
      latencyRow('9.sse.p50', 'Append-to-delivery over GET /v1/log/stream (SSE), p50', sse, 'p50Ms', 'over SSE'),
      latencyRow('9.sse.p99', 'Append-to-delivery over GET /v1/log/stream (SSE), p99', sse, 'p99Ms', 'over SSE'),
      latencyRow('9.group.p50', 'Append-to-delivery to a consumer group (long poll), p50', group, 'p50Ms', 'by consumer-group fetch'),
      latencyRow('9.group.p99', 'Append-to-delivery to a consumer group (long poll), p99', group, 'p99Ms', 'by consumer-group fetch'),
      rateRow('9.log-pages', 'Log delivery rate: GET /v1/log pages vs library readAll', pages),
      rateRow('9.log-stream', 'Log delivery rate: GET /v1/log/stream catch-up vs library readAll', stream),
    ];
  },
};
