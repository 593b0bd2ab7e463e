import { randomUUID } from 'node:crypto';
import type { Client, estypes } from '@elastic/elasticsearch';
import { ev, reader, writer } from '../../testing/event-store.contract';
import { dropPrefix, makeEsStore, refresh, testClient, testPrefix } from '../../testing/es-test-support';
import { EventsIndexLayoutError, type EventsIndexLayout } from './es-events-layout';
import { MAPPING_VERSION, missingProperties } from './es-indices';
import { ElasticsearchEventStore } from './es-event-store.adapter';
import { eventDocumentId } from './es-search-fields';

const kw = { type: 'keyword' } as const;
const off = { type: 'object', enabled: false } as const;

/** The events index as version 2 created it: doc values everywhere, positions in `text`, `metaFlat` filled. */
const V2_EVENTS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  _source: { excludes: ['dataFlat', 'metaFlat', 'text', 'num', 'kw'] },
  properties: {
    eventId: kw,
    aggregateId: kw,
    aggregateType: kw,
    eventType: kw,
    version: { type: 'long' },
    position: { type: 'long' },
    timestamp: { type: 'date' },
    correlationId: kw,
    causationId: kw,
    schemaVersion: { type: 'integer' },
    userId: kw,
    organizationId: kw,
    source: kw,
    eventData: off,
    metadata: off,
    dataFlat: { type: 'flattened', ignore_above: 4096, depth_limit: 1000 },
    metaFlat: { type: 'flattened', ignore_above: 4096, depth_limit: 1000 },
    text: { type: 'text' },
    num: { type: 'object', dynamic: false, properties: { amountMinor: { type: 'long' } } },
    kw: { type: 'object', dynamic: false, properties: { currency: kw } },
  },
};

const searchFields = {
  numeric: [{ name: 'amountMinor', path: 'amountMinor', type: 'long' as const }],
  keyword: [{ name: 'currency', path: 'currency' }],
};

async function fieldMapping(c: Client, index: string, field: string): Promise<Record<string, unknown>> {
  const r = await c.indices.getFieldMapping({ index, fields: field });
  const m = r[index]?.mappings?.[field]?.mapping ?? {};
  return Object.values(m)[0] as Record<string, unknown>;
}

async function appendAndFind(store: Awaited<ReturnType<typeof makeEsStore>>, c: Client, prefix: string): Promise<void> {
  const id = `inv-${randomUUID()}`;
  await store.appendToStream(
    id,
    [
      {
        eventType: 'InvoiceIssued',
        eventData: { invoiceId: id, amountMinor: 1250, currency: 'EUR', customer: { name: 'Ada Lovelace', city: 'London' } },
        metadata: { channel: 'backoffice-portal' },
      },
    ],
    { aggregateType: 'Invoice', expectedVersion: 'no_stream', context: writer() },
  );
  await refresh(c, prefix);
  expect((await store.search({ q: 'lovelace london' }, reader())).total).toBe(1);
  expect((await store.search({ q: 'backoffice' }, reader())).total).toBe(1);
  expect((await store.search({ data: { 'customer.city': 'London', invoiceId: id } }, reader())).total).toBe(1);
  const sums = await c.search({
    index: `${prefix}-events`,
    size: 0,
    query: { term: { aggregateId: id } },
    aggs: { s: { sum: { field: 'num.amountMinor' } }, c: { terms: { field: 'kw.currency' } } },
  });
  expect((sums.aggregations?.s as { value: number }).value).toBe(1250);
  expect((sums.aggregations?.c as { buckets: { key: string }[] }).buckets.map((b) => b.key)).toEqual(['EUR']);
}

describe('The events index definition', () => {
  let c: Client;
  beforeAll(() => {
    c = testClient();
  });
  afterAll(async () => {
    await c.close();
  });

  describe('when the store creates its indices', () => {
    it('indexes payload leaves and text for filters only (no doc values, positions or metadata leaves), and every search still answers', async () => {
      const p = testPrefix('indices-new');
      try {
        const store = await makeEsStore(c, p, { searchFields });
        const events = `${p}-events`;
        expect(await fieldMapping(c, events, 'eventId')).toMatchObject({ doc_values: false });
        expect(await fieldMapping(c, events, 'dataFlat')).toMatchObject({ doc_values: false });
        expect(await fieldMapping(c, events, 'text')).toMatchObject({ index_options: 'docs', norms: false });
        await appendAndFind(store, c, p);
        expect((await c.count({ index: events, query: { exists: { field: 'metaFlat' } } })).count).toBe(0);
        const template = await c.indices.getIndexTemplate({ name: `${events}-template` });
        expect(template.index_templates[0]?.index_template._meta?.version).toBe(MAPPING_VERSION);
        await store.close();
      } finally {
        await dropPrefix(c, p);
      }
    });
  });

  describe('when an events index created by version 2 already exists', () => {
    it('starts on it, keeps the parameters it was created with, adds newly declared fields, and every search still answers', async () => {
      const p = testPrefix('indices-v2');
      const events = `${p}-events`;
      try {
        await c.indices.create({
          index: events,
          settings: { number_of_shards: 1, number_of_replicas: 0 },
          mappings: V2_EVENTS,
        });
        const store = await makeEsStore(c, p, {
          searchFields: { ...searchFields, numeric: [...searchFields.numeric, { name: 'durationMs', path: 'durationMs', type: 'long' }] },
        });
        expect(await fieldMapping(c, events, 'eventId')).not.toHaveProperty('doc_values');
        expect(await fieldMapping(c, events, 'text')).not.toHaveProperty('index_options');
        expect(await fieldMapping(c, events, 'num.durationMs')).toMatchObject({ type: 'long' });
        await appendAndFind(store, c, p);
        // A second start on the grown index is a no-op.
        const again = await makeEsStore(c, p, {
          searchFields: { ...searchFields, numeric: [...searchFields.numeric, { name: 'durationMs', path: 'durationMs', type: 'long' }] },
        });
        await again.close();
        await store.close();
      } finally {
        await dropPrefix(c, p);
      }
    });
  });

  describe('when the events index has several shards and routes by organization', () => {
    const routed: EventsIndexLayout = { shards: 3, routing: 'organization' };

    /** The client, keeping the responses of its searches (their `_shards` tell how many shards each read). */
    function recordingSearches(client: Client, responses: estypes.SearchResponse[]): Client {
      return new Proxy(client, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver) as unknown;
          if (prop !== 'search' || typeof value !== 'function') return value;
          return async (...args: unknown[]) => {
            const r = (await (value as (...a: unknown[]) => Promise<estypes.SearchResponse>).apply(target, args)) as estypes.SearchResponse;
            responses.push(r);
            return r;
          };
        },
      });
    }

    it("a tenant's search reads one shard and finds its events, an admin's reads every shard and finds all", async () => {
      const p = testPrefix('indices-routed');
      const responses: estypes.SearchResponse[] = [];
      try {
        const store = await makeEsStore(recordingSearches(c, responses), p, { eventsIndex: routed });
        const events = `${p}-events`;
        const settings = await c.indices.getSettings({ index: events });
        expect(settings[events]?.settings?.index?.number_of_shards).toBe('3');
        expect((await c.indices.getMapping({ index: events }))[events]?.mappings?._routing).toEqual({ required: true });
        const orgs = ['org-a', 'org-b', 'org-c', 'org-d'];
        for (const org of orgs) {
          await store.appendToStream(`s-${org}-${randomUUID()}`, [ev('Noted', { org }), ev('Noted', { org })], {
            aggregateType: 'Thing',
            expectedVersion: 'no_stream',
            context: writer(org),
          });
        }
        await refresh(c, p);
        const shardsRead = () => responses[responses.length - 1]?._shards.total;
        for (const org of orgs) {
          const page = await store.search({ eventType: 'Noted' }, reader(org));
          expect(page.events.map((e) => e.eventData.org)).toEqual([org, org]);
          expect(shardsRead()).toBe(1);
        }
        expect((await store.search({ eventType: 'Noted' }, { organizationId: 'ops', isAdmin: true })).total).toBe(8);
        expect(shardsRead()).toBe(3);
        // An admin filtering one organization reads only its shard too.
        expect((await store.search({ organizationId: 'org-b' }, { organizationId: 'ops', isAdmin: true })).total).toBe(2);
        expect(shardsRead()).toBe(1);
        // A read of a document that forgets the routing fails loudly instead of reading the wrong shard.
        const [one] = (await store.search({ organizationId: 'org-a' }, reader('org-a'))).events;
        await expect(c.get({ index: events, id: eventDocumentId(one.aggregateId, one.version) })).rejects.toMatchObject({
          meta: { body: { error: { type: 'routing_missing_exception' } } },
        });
        await store.close();
      } finally {
        await dropPrefix(c, p);
      }
    });

    it('start-up refuses an existing events index laid out otherwise, in one sentence naming the fix, and does not retry', async () => {
      const p = testPrefix('indices-layout');
      try {
        const first = await makeEsStore(c, p);
        await first.close();
        await expect(makeEsStore(c, p, { eventsIndex: routed })).rejects.toThrow(EventsIndexLayoutError);
        await expect(makeEsStore(c, p, { eventsIndex: { shards: 2 } })).rejects.toThrow(
          /has 1 primary shard\(s\) and routing "none" but the store is configured with 2 and "none".*reindex into a new index prefix/,
        );
        const errors: string[] = [];
        const warnings: string[] = [];
        const looping = new ElasticsearchEventStore({
          client: c,
          indexPrefix: p,
          eventsIndex: routed,
          logger: { warn: (m) => warnings.push(m), error: (m) => errors.push(m) },
        });
        await expect(looping.startSetupLoop(10)).rejects.toThrow(EventsIndexLayoutError);
        expect(errors).toHaveLength(1);
        expect(warnings).toEqual([]);
        expect(await looping.isReady()).toBe(false);
        await looping.close();
        // The configured layout of the existing index still starts.
        await (await makeEsStore(c, p, { eventsIndex: { shards: 1, routing: 'none' } })).close();
      } finally {
        await dropPrefix(c, p);
      }
    });
  });

  describe('when working out what an older mapping lacks', () => {
    it('names absent fields, descends into objects, and leaves changed parameters alone', () => {
      expect(
        missingProperties(
          { a: kw, o: { type: 'object', properties: { x: kw } }, t: { type: 'text' } },
          {
            a: { type: 'keyword', doc_values: false },
            o: { type: 'object', properties: { x: kw, y: { type: 'long' } } },
            t: { type: 'text', index_options: 'docs' },
            n: { type: 'long' },
          },
        ),
      ).toEqual({ o: { type: 'object', properties: { y: { type: 'long' } } }, n: { type: 'long' } });
    });
  });
});

describe("Refreshes of the store's indices", () => {
  const INTERNAL = ['streams', 'log', 'event-ids', 'snapshots', 'meta'];
  let c: Client;
  beforeAll(() => {
    c = testClient();
  });
  afterAll(async () => {
    await c.close();
  });

  /** The refresh interval set on each index of the prefix (undefined: not set, Elasticsearch's default applies). */
  async function refreshIntervals(p: string): Promise<Record<string, string | undefined>> {
    const r = await c.indices.getSettings({ index: `${p}-*`, name: 'index.refresh_interval', flat_settings: true });
    return Object.fromEntries(
      Object.entries(r).map(([index, s]) => [
        index.slice(p.length + 1),
        (s.settings as Record<string, string> | undefined)?.['index.refresh_interval'],
      ]),
    );
  }

  it('only the events index, which searches read, refreshes on a schedule; the others are read by id and refresh when searched', async () => {
    const p = testPrefix('indices-refresh');
    try {
      const store = await makeEsStore(c, p, { refreshInterval: '2s' });
      const intervals = await refreshIntervals(p);
      expect(intervals.events).toBe('2s');
      for (const name of INTERNAL) expect([name, intervals[name]]).toEqual([name, undefined]);
      // What the store writes there is still read at once (by id).
      const id = `refresh-${randomUUID()}`;
      await store.appendToStream(id, [ev('Opened', { n: 1 })], {
        aggregateType: 'Account',
        expectedVersion: 'no_stream',
        context: writer(),
      });
      expect((await store.readStream(id, reader())).version).toBe(1);
      await store.close();
    } finally {
      await dropPrefix(c, p);
    }
  });

  it('an existing store whose indices all refreshed every second (mapping version 4) stops refreshing the others on start', async () => {
    const p = testPrefix('indices-refresh-v4');
    try {
      for (const name of ['events', ...INTERNAL]) {
        await c.indices.create({ index: `${p}-${name}`, settings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '1s' } });
      }
      const store = await makeEsStore(c, p, {});
      const intervals = await refreshIntervals(p);
      expect(intervals.events).toBe('1s');
      for (const name of INTERNAL) expect([name, intervals[name]]).toEqual([name, undefined]);
      await store.close();
    } finally {
      await dropPrefix(c, p);
    }
  });
});
