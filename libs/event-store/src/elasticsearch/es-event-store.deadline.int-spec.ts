import { randomUUID } from 'node:crypto';
import { Client, errors } from '@elastic/elasticsearch';
import { AppendOutcomeUnknownError, EventStoreUnavailableError } from '@gyroscops/event-store';
import { type ElasticsearchEventStore } from '@gyroscops/event-store/elasticsearch';
import { deadlineBound, withRequestDeadline } from './es-context';
import { TcpProxy } from '../../../../test/support/tcp-proxy';
import { ev, reader, writer } from '../../testing/event-store.contract';
import { dropPrefix, makeEsStore, testClient, testPrefix } from '../../testing/es-test-support';

/**
 * An append answers by its deadline even when Elasticsearch stops answering (a hung node, a partition): every request
 * of the commit protocol is bounded by the deadline of the appends it serves, not by the client's own timeout and
 * retries (30 s × 4 attempts in the service). Measured before this bound: appends held 41–187 s during node loss.
 *
 * The store talks to Elasticsearch through a TCP proxy that is frozen at a chosen step: connections stay open and
 * nothing comes back, the way a node that died without closing its sockets looks to a client.
 */
describe('Elasticsearch event store: appends answer by their deadline when Elasticsearch hangs', () => {
  const APPEND_TIMEOUT_MS = 1500;
  /** Far beyond the deadline, far below what the client's own timeout and retries would take (30 s × 4). */
  const ANSWER_BOUND_MS = 20_000;
  const target = new URL(process.env.ES_NODE as string);
  const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 9200) });
  let direct: Client;
  let viaProxy: Client;
  let prefix: string;
  let freezeAfterLock = false;
  let finalizeHangMs = 0;
  let store: ElasticsearchEventStore;
  let slowFinalizeStore: ElasticsearchEventStore;

  beforeAll(async () => {
    await proxy.start();
    direct = testClient();
    viaProxy = new Client({ node: proxy.url, requestTimeout: 30_000, maxRetries: 3 });
    prefix = testPrefix('deadline');
    store = await makeEsStore(viaProxy, prefix, {
      appendTimeoutMs: APPEND_TIMEOUT_MS,
      faults: {
        afterLock: async () => {
          if (freezeAfterLock) proxy.freeze();
        },
      },
    });
    slowFinalizeStore = await makeEsStore(direct, prefix, {
      appendTimeoutMs: 4000,
      faults: { beforeFinalize: () => new Promise<void>((resolve) => setTimeout(resolve, finalizeHangMs)) },
    });
  });
  afterEach(() => {
    freezeAfterLock = false;
    proxy.thaw();
  });
  afterAll(async () => {
    await store?.close();
    await slowFinalizeStore?.close();
    await viaProxy?.close();
    await dropPrefix(direct, prefix);
    await direct.close();
    await proxy.stop();
  });

  const append = (id: string, events: ReturnType<typeof ev>[], expectedVersion: number | 'no_stream') =>
    store.appendToStream(id, events, { aggregateType: 'Account', expectedVersion, context: writer() });

  /** Settles `p`, or says it did not within the bound (the old behaviour: held for the client's timeouts). */
  async function answerWithin<T>(p: Promise<T>): Promise<{ value?: T; error?: unknown }> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_BOUND_MS} ms`)), ANSWER_BOUND_MS);
    });
    try {
      return await Promise.race([p.then((value) => ({ value })), bound]).catch((error: unknown) => {
        if ((error as Error).message.startsWith('no answer within')) throw error;
        return { error };
      });
    } finally {
      clearTimeout(timer);
    }
  }

  it('a hang before the commit answers EventStoreUnavailable by the deadline, and nothing was stored', async () => {
    const id = `hang-early-${randomUUID()}`;
    await append(id, [ev('Opened', { n: 1 })], 'no_stream');
    proxy.freeze();
    const eventId = randomUUID();
    const outcome = await answerWithin(append(id, [{ ...ev('Deposited', { n: 2 }), eventId }], 1));
    expect(outcome.error).toBeInstanceOf(EventStoreUnavailableError);
    proxy.thaw();

    const stream = await store.readStream(id, reader());
    expect(stream.events.map((e) => e.eventType)).toEqual(['Opened']);
    // The stream is not left blocked: the next append goes through.
    const next = await append(id, [{ ...ev('Deposited', { n: 2 }), eventId }], 1);
    expect(next.version).toBe(2);
  }, 60_000);

  it('a hang at the commit answers AppendOutcomeUnknown by the deadline; a retry with the same id then stores it exactly once', async () => {
    const id = `hang-commit-${randomUUID()}`;
    await append(id, [ev('Opened', { n: 1 })], 'no_stream');
    freezeAfterLock = true;
    const eventId = randomUUID();
    const outcome = await answerWithin(append(id, [{ ...ev('Deposited', { n: 2 }), eventId }], 1));
    expect(outcome.error).toBeInstanceOf(AppendOutcomeUnknownError);
    freezeAfterLock = false;
    proxy.thaw();

    // The retry the error asks for: whatever the commit did, the event ends up stored once, at version 2.
    const retry = await append(id, [{ ...ev('Deposited', { n: 2 }), eventId }], 1);
    expect(retry.version).toBe(2);
    const stream = await store.readStream(id, reader());
    expect(stream.events.map((e) => [e.version, e.eventType])).toEqual([
      [1, 'Opened'],
      [2, 'Deposited'],
    ]);
    expect(stream.events.filter((e) => e.eventId === eventId)).toHaveLength(1);
  }, 60_000);

  it('a request bounded by a deadline is aborted at the deadline, not retried by the client after it', async () => {
    // The client retries a request whose abort reason it does not recognise as an abort (AbortSignal.timeout's
    // TimeoutError reads as a connection error), after its backoff: the deadline then bounds nothing but the retry.
    const bound = deadlineBound(viaProxy);
    const retries: number[] = [];
    const onResponse = (_err: unknown, result: { meta: { attempts: number } } | null) => retries.push(result?.meta.attempts ?? -1);
    viaProxy.diagnostic.on('response', onResponse);
    proxy.freeze();
    try {
      const outcome = await answerWithin(withRequestDeadline(Date.now() + 300, () => bound.get({ index: `${prefix}-meta`, id: 'none' })));
      expect(outcome.error).toBeInstanceOf(errors.RequestAbortedError);
      // One answer, from the first attempt: the client did not go round again once the deadline had passed.
      expect(retries).toEqual([0]);
    } finally {
      viaProxy.diagnostic.off('response', onResponse);
    }
  }, 60_000);

  it("an append does not spend its whole deadline waiting for the stream's previous finalisation: it reads the head and commits", async () => {
    const id = `slow-finalize-${randomUUID()}`;
    const slowAppend = (events: ReturnType<typeof ev>[], expectedVersion: number | 'no_stream') =>
      slowFinalizeStore.appendToStream(id, events, { aggregateType: 'Account', expectedVersion, context: writer() });
    finalizeHangMs = 8000;
    try {
      await slowAppend([ev('Opened', { n: 1 })], 'no_stream');
      // The first append is acknowledged; its head's finalisation hangs past the next append's deadline.
      const next = await answerWithin(slowAppend([ev('Deposited', { n: 2 })], 1));
      expect(next.error).toBeUndefined();
      expect(next.value?.version).toBe(2);
    } finally {
      finalizeHangMs = 0;
    }
    const stream = await slowFinalizeStore.readStream(id, reader());
    expect(stream.events.map((e) => [e.version, e.eventType])).toEqual([
      [1, 'Opened'],
      [2, 'Deposited'],
    ]);
  }, 60_000);
});
