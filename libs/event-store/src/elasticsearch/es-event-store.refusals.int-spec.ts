import { randomUUID } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { EventStoreUnavailableError, WrongExpectedVersionError, type StoreObserver, type StoreStep } from '@gyroscops/event-store';
import { ElasticsearchEventStore } from '@gyroscops/event-store/elasticsearch';
import { ev, reader, writer } from '../../testing/event-store.contract';
import { dropPrefix, makeEsStore, testClient, testPrefix } from '../../testing/es-test-support';

/**
 * Appends this process expects to be answered without a write (a stream it knows exists, appended to as a new one; a
 * retry whose ids are stored) read what decides them and write nothing: no positions allocated, so no tombstone for
 * them either. Each such append used to take positions beside its reads and fence them after, and a `no_stream`
 * append first took the new-stream path (counter, head and reservations in one bulk), then gave all of it back.
 * And what Elasticsearch could not read (an `mget` item failed: a missing index, a shard not available) is a failed
 * read, never a missing document: not "no such event id", not "key erased".
 */
describe('Elasticsearch event store: appends answered without a write, and reads that could not read', () => {
  let client: Client;
  let prefix: string;
  let store: ElasticsearchEventStore;
  let other: ElasticsearchEventStore;
  const steps: StoreStep[] = [];
  const retries: string[] = [];
  const takeovers: string[] = [];
  const observer: StoreObserver = {
    roundTrip: (step) => steps.push(step),
    retry: (reason) => retries.push(reason),
    leaseTakeover: (outcome) => takeovers.push(outcome),
  };

  beforeAll(async () => {
    client = testClient();
    prefix = testPrefix('refusals');
    store = await makeEsStore(client, prefix, { observer });
    client.diagnostic.on('request', (_err, event) => {
      const req = event?.meta.request.params;
      if (req) requests.push(`${req.method} ${req.path.replace(prefix, '<prefix>')}`);
    });
    other = await makeEsStore(client, prefix);
  });
  afterAll(async () => {
    await dropPrefix(client, prefix);
    await client.close();
  });

  const counter = async () => (await client.get<{ value: number }>({ index: `${prefix}-meta`, id: 'position' }))._source?.value;
  const tombstones = async () => {
    await client.indices.refresh({ index: `${prefix}-log` });
    return (await client.count({ index: `${prefix}-log`, query: { term: { kind: 'tombstone' } } })).count;
  };
  const written = () => steps.filter((s) => s === 'allocate-positions' || s === 'lock' || s === 'commit');
  /** Requests the store's client sent (method and path), from the client's own diagnostics. */
  const requests: string[] = [];
  const sent = () => requests.filter((r) => !r.includes('_search') && !r.includes('_count'));

  async function streamAt2(): Promise<string> {
    const id = `refused-${randomUUID()}`;
    await store.appendToStream(id, [ev('Opened', {}, { eventId: randomUUID() })], {
      aggregateType: 'Account',
      expectedVersion: 'no_stream',
      context: writer(),
    });
    await store.appendToStream(id, [ev('Credited', {}, { eventId: randomUUID() })], {
      aggregateType: 'Account',
      expectedVersion: 1,
      context: writer(),
    });
    // Its last append's head finalised (written after the acknowledgement), so no lease is in the way of what follows.
    for (let i = 0; i < 100; i++) {
      const head = await client.get<{ pending?: unknown }>({ index: `${prefix}-streams`, id });
      if (!head._source?.pending) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    return id;
  }

  it.each([['no_stream' as const], [0]])(
    'refuses an append expecting %s to a stream it knows exists with WrongExpectedVersion, and writes nothing',
    async (expectedVersion) => {
      const id = await streamAt2();
      const [positionsBefore, tombstonesBefore] = [await counter(), await tombstones()];
      steps.length = 0;
      requests.length = 0;
      const refused = store.appendToStream(id, [ev('Opened', {}, { eventId: randomUUID() })], {
        aggregateType: 'Account',
        expectedVersion,
        context: writer(),
      });
      await expect(refused).rejects.toBeInstanceOf(WrongExpectedVersionError);
      await expect(refused).rejects.toMatchObject({ actualVersion: 2 });
      expect(written()).toEqual([]);
      // One request: the head and the event id, read together.
      expect(sent()).toEqual(['POST /_mget']);
      expect(await counter()).toBe(positionsBefore);
      expect(await tombstones()).toBe(tombstonesBefore);
    },
  );

  it('answers the retry of a stored append with its stored result, and writes nothing', async () => {
    const id = await streamAt2();
    const events = [ev('Debited', { n: 1 }, { eventId: randomUUID() }), ev('Debited', { n: 2 }, { eventId: randomUUID() })];
    const first = await store.appendToStream(id, events, { aggregateType: 'Account', expectedVersion: 2, context: writer() });
    const positionsBefore = await counter();
    steps.length = 0;
    const retry = await store.appendToStream(id, events, { aggregateType: 'Account', expectedVersion: 2, context: writer() });
    expect({ version: retry.version, position: retry.position }).toEqual({ version: first.version, position: first.position });
    expect(retry.events.map((e) => e.eventId)).toEqual(first.events.map((e) => e.eventId));
    expect(written()).toEqual([]);
    expect(await counter()).toBe(positionsBefore);
  });

  it('refuses a new-stream append queued behind the one that creates the stream once that one has finalised, without taking over its lease', async () => {
    // The second append is queued while the first is in its round; once the first commits, this process knows the
    // stream exists, so the second reads its head: it waits for the first's finalisation instead of meeting (and
    // rolling forward) that append's own lease.
    takeovers.length = 0;
    for (let i = 0; i < 10; i++) {
      const id = `twice-${randomUUID()}`;
      const create = () =>
        store.appendToStream(id, [ev('Opened', {}, { eventId: randomUUID() })], {
          aggregateType: 'Account',
          expectedVersion: 'no_stream',
          context: writer(),
        });
      const [first, second] = await Promise.allSettled([create(), create()]);
      expect(first).toMatchObject({ status: 'fulfilled', value: { version: 1 } });
      expect(second).toMatchObject({ status: 'rejected', reason: expect.any(WrongExpectedVersionError) });
    }
    expect(takeovers).toEqual([]);
  });

  it('still appends when the stream it expected to refuse was deleted by another instance since', async () => {
    const id = await streamAt2();
    await other.deleteStream(id, { mode: 'soft', reason: 'test', context: writer(undefined, 'ops-admin', { isAdmin: true }) });
    retries.length = 0;
    const r = await store.appendToStream(id, [ev('Reopened', {}, { eventId: randomUUID() })], {
      aggregateType: 'Account',
      expectedVersion: 'no_stream',
      context: writer(),
    });
    expect(r.version).toBe(3);
    // This process guessed it would be refused and gave it no positions; the head it read sent it round again.
    expect(retries).toContain('positions-needed');
  });

  it('refuses an append as unavailable when the index its event ids are read from is missing, and does not create that index', async () => {
    // Round 1 reads heads and ids in one mget over both indices, which Elasticsearch answers 200 with the missing
    // index's items failed: that is the read failing (as an mget on that index alone would), never "no such id".
    const other = testPrefix('refusals-missing');
    const first = await makeEsStore(client, other);
    try {
      const id = `missing-ids-${randomUUID()}`;
      await first.appendToStream(id, [ev('Opened', {}, { eventId: randomUUID() })], {
        aggregateType: 'Account',
        expectedVersion: 'no_stream',
        context: writer(),
      });
      // Another instance (nothing of the stream in memory) set up, then the index goes.
      const fresh = await makeEsStore(client, other, { appendTimeoutMs: 1500 });
      await client.indices.delete({ index: `${other}-event-ids` });
      await expect(
        fresh.appendToStream(id, [ev('Credited', {}, { eventId: randomUUID() })], {
          aggregateType: 'Account',
          expectedVersion: 1,
          context: writer(),
        }),
      ).rejects.toBeInstanceOf(EventStoreUnavailableError);
      expect(await client.indices.exists({ index: `${other}-event-ids` })).toBe(false);
      await fresh.close();
    } finally {
      await first.close();
      await dropPrefix(client, other);
    }
  });

  it('answers a read as unavailable, not with personal data shown erased, when the subject keys cannot be read', async () => {
    const other = testPrefix('refusals-keys');
    const keyed = await makeEsStore(client, other);
    try {
      const id = `personal-${randomUUID()}`;
      const subjectId = `usr-${randomUUID()}`;
      await keyed.appendToStream(id, [ev('Registered', {}, { personal: { subjectId, data: { email: 'a@example.org' } } })], {
        aggregateType: 'Account',
        expectedVersion: 'no_stream',
        context: writer(),
      });
      expect((await keyed.readStream(id, reader())).events[0].personal).toMatchObject({ data: { email: 'a@example.org' } });
      await client.indices.delete({ index: `${other}-subject-keys` });
      await expect(keyed.readStream(id, reader())).rejects.toBeInstanceOf(EventStoreUnavailableError);
    } finally {
      await keyed.close();
      await dropPrefix(client, other);
    }
  });
});
