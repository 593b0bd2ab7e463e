/**
 * Another service's code, as it would be written outside this repository: it imports only the installed packages
 * (`@gyroscops/event-store-client`, `@gyroscops/event-store`) and `@elastic/elasticsearch`, never the service's
 * sources. `client-package.e2e-spec.ts` type-checks it against the packed tarballs' declarations, runs it with Node
 * in a scratch folder where those tarballs are installed, and asserts on the JSON report it prints.
 */
import { Client } from '@elastic/elasticsearch';
import { ElasticsearchEventStore } from '@gyroscops/event-store/elasticsearch';
import {
  EventStoreClient,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
  WrongExpectedVersionError,
  type StoredEvent,
} from '@gyroscops/event-store-client';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, done: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const ids = (events: StoredEvent[]) => events.map((e) => e.eventId);

async function errorOf(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await p;
    return { thrown: false };
  } catch (e) {
    const err = e as Error & { status?: unknown; code?: unknown; retryable?: unknown };
    return { thrown: true, name: err.name, status: err.status, code: err.code, retryable: err.retryable };
  }
}

async function main(): Promise<void> {
  const baseUrl = env('SERVICE_URL');
  const token = env('SERVICE_TOKEN');
  const tag = env('TAG');
  const client = new EventStoreClient({ baseUrl, token, retry: { attempts: 4, baseMs: 50, maxMs: 500 } });

  const { head: start } = await client.readLog({ limit: 1 });

  // The live tail of this run's aggregates, from the head as it was before anything was appended.
  const live: StoredEvent[] = [];
  const follow = client.followLog({ after: start, aggregateIdPrefix: tag, reconnect: { baseMs: 50, maxMs: 500 } });
  const following = (async () => {
    for await (const e of follow) live.push(e);
  })();

  // A consumer group over the same aggregates, from the same position; retries without delay.
  const group = `g-${tag}`;
  const created = await client.putConsumerGroup(group, {
    filter: { aggregateIdPrefix: tag },
    startFrom: start,
    retryBaseMs: 0,
    ackTimeoutMs: 5000,
  });

  const a = `${tag}-a`;
  const b = `${tag}-b`;
  const a1 = await client.append(a, {
    aggregateType: 'Order',
    expectedVersion: 'no_stream',
    events: [
      { eventType: 'OrderPlaced', eventData: { n: 1 } },
      { eventType: 'OrderPaid', eventData: { n: 2 } },
    ],
  });
  const b1 = await client.append(b, {
    aggregateType: 'Order',
    expectedVersion: 'no_stream',
    events: [{ eventType: 'OrderPlaced', eventData: {} }],
  });
  const conflict = await (async () => {
    try {
      await client.append(a, { aggregateType: 'Order', expectedVersion: 1, events: [{ eventType: 'OrderPaid', eventData: {} }] });
      return { thrown: false };
    } catch (e) {
      return {
        thrown: true,
        wrongExpectedVersion: e instanceof WrongExpectedVersionError,
        actualVersion: (e as WrongExpectedVersionError).actualVersion,
      };
    }
  })();

  // The service ends streams after LOG_STREAM_MAX_CONNECTION_MS: the tail reconnects and resumes from its last id.
  await until('the first three events on the live tail', () => live.length >= 3);
  await until('a reconnection of the live tail', () => follow.connections >= 2);

  // An append whose answer is lost (the request is carried out, then the connection fails): the client cannot know
  // whether it was recorded, retries with the same event ids, and the store records it once.
  let posts = 0;
  const lossy = new EventStoreClient({
    baseUrl,
    token,
    retry: { attempts: 3, baseMs: 20, maxMs: 100 },
    fetch: async (input, init) => {
      const res = await fetch(input, init);
      if (init?.method === 'POST' && posts++ === 0) {
        await res.text();
        throw new TypeError('fetch failed (the answer was lost on the way back)');
      }
      return res;
    },
  });
  const a2 = await lossy.append(a, {
    aggregateType: 'Order',
    expectedVersion: 2,
    events: [{ eventType: 'OrderShipped', eventData: { n: 3 } }],
  });
  const b2 = await client.append(b, {
    aggregateType: 'Order',
    expectedVersion: 1,
    events: [{ eventType: 'OrderCancelled', eventData: {} }],
  });
  const expected = 5;

  const stream = await client.readStream(a);
  const paged: StoredEvent[] = [];
  let pages = 0;
  for await (const page of client.readLogPages({ after: start, aggregateIdPrefix: tag, limit: 2 })) {
    pages++;
    paged.push(...page.events);
  }

  await until('every event on the live tail', () => live.length >= expected);
  // A new subscription from the second event's position gets exactly the rest.
  const resumed: StoredEvent[] = [];
  const again = client.followLog({ after: paged[1].position, aggregateIdPrefix: tag });
  for await (const e of again) {
    resumed.push(e);
    if (resumed.length === expected - 2) break;
  }

  // The consumer group: the first delivery of OrderPaid fails (refused, delivered again), everything else is acknowledged.
  const deliveries: { eventId: string; aggregateId: string; version: number; attempt: number; outcome: string }[] = [];
  const handled = new Set<string>();
  const stop = new AbortController();
  const giveUp = setTimeout(() => stop.abort(), 20_000);
  let failed = false;
  const stats = await client.consume(group, {
    consumer: 'scratch-consumer-1',
    max: 10,
    waitMs: 500,
    signal: stop.signal,
    handler: (d) => {
      const seen = { eventId: d.event.eventId, aggregateId: d.event.aggregateId, version: d.event.version, attempt: d.attempt };
      if (d.event.eventType === 'OrderPaid' && !failed) {
        failed = true;
        deliveries.push({ ...seen, outcome: 'failed' });
        throw new Error('simulated handler failure');
      }
      deliveries.push({ ...seen, outcome: 'handled' });
      handled.add(d.event.eventId);
      if (handled.size === expected) stop.abort();
    },
  });
  clearTimeout(giveUp);
  const status = await client.getConsumerGroup(group);

  const errors = {
    unknownStream: await errorOf(client.readStream(`${tag}-missing`)),
    badConsumerName: await errorOf(client.fetchDeliveries(group, { consumer: '!bad name', waitMs: 0 })),
    badToken: await errorOf(new EventStoreClient({ baseUrl, token: 'not-a-token', retry: { attempts: 1 } }).readLog()),
  };
  const classes = {
    unknownStreamIsNotFound: await client.readStream(`${tag}-missing`).catch((e: unknown) => e instanceof NotFoundError),
    badConsumerNameIsValidation: await client
      .fetchDeliveries(group, { consumer: '!bad name', waitMs: 0 })
      .catch((e: unknown) => e instanceof ValidationError),
    badTokenIsUnauthorized: await new EventStoreClient({ baseUrl, token: 'not-a-token', retry: { attempts: 1 } })
      .readLog()
      .catch((e: unknown) => e instanceof UnauthorizedError),
  };

  follow.close();
  await following;

  // Another organization sees none of it: not in pages, not on its live tail (which still moves past it, by
  // checkpoint messages), not the stream, not the group.
  const other = new EventStoreClient({ baseUrl, token: env('OTHER_TOKEN') });
  const lastPosition = paged[paged.length - 1].position;
  const otherPage = await other.readLog({ after: start, aggregateIdPrefix: tag });
  const otherLive: StoredEvent[] = [];
  const otherFollow = other.followLog({ after: start, aggregateIdPrefix: tag });
  const otherFollowing = (async () => {
    for await (const e of otherFollow) otherLive.push(e);
  })();
  await until('the other organization’s tail to move past this run’s events', () => otherFollow.lastEventId >= lastPosition);
  otherFollow.close();
  await otherFollowing;
  const isolation = {
    pageEvents: otherPage.events.length,
    pageCheckpointPast: otherPage.checkpoint >= lastPosition,
    liveEvents: otherLive.length,
    stream: (await errorOf(other.readStream(a))).name,
    group: (await errorOf(other.getConsumerGroup(group))).name,
    parked: (await errorOf(other.listParked(group))).name,
  };

  // The library itself, from its tarball, on the service's indices: the same log, read directly from Elasticsearch.
  const es = new Client({ node: env('ES_NODE') });
  const store = new ElasticsearchEventStore({ client: es, indexPrefix: env('ES_INDEX_PREFIX') });
  const fromLibrary: StoredEvent[] = [];
  try {
    await store.setup(); // the indices exist (the service made them): this checks them and marks the store ready
    for (let after = start; ;) {
      const slice = await store.readAll({ after, maxCount: 100 });
      fromLibrary.push(...(slice.events.filter((e) => e.aggregateId.startsWith(tag)) as unknown as StoredEvent[]));
      if (slice.checkpoint >= slice.head) break;
      if (slice.checkpoint === after) await sleep(50);
      after = slice.checkpoint;
    }
  } finally {
    await store.close();
    await es.close();
  }

  const report = {
    start,
    groupCreated: created.created,
    appended: { a1, b1, a2, b2 },
    conflict,
    lossyPosts: posts,
    stream: { version: stream.version, versions: stream.events.map((e) => e.version), eventIds: ids(stream.events) },
    paged: paged.map((e) => ({ eventId: e.eventId, position: e.position, aggregateId: e.aggregateId, version: e.version })),
    pages,
    live: { eventIds: ids(live), connections: follow.connections, lastEventId: follow.lastEventId },
    resumed: ids(resumed),
    deliveries,
    stats,
    status: {
      position: status.position,
      acked: status.acked,
      nacked: status.nacked,
      parkedCount: status.parkedCount,
      inFlight: status.inFlight,
    },
    errors,
    classes,
    isolation,
    library: fromLibrary.map((e) => ({ eventId: e.eventId, position: e.position })),
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
