import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Client } from '@elastic/elasticsearch';
import type { JsonObject } from '@gyroscops/event-store';
import type { ElasticsearchEventStore } from '@gyroscops/event-store/elasticsearch';
import { reader, writer } from '../../testing/event-store.contract';
import { dropPrefix, makeEsStore, refresh, testClient, testPrefix } from '../../testing/es-test-support';
import { FLAT_IGNORE_ABOVE, toSearchDocument, walkedLeaves } from './es-search-fields';

describe('Any JSON payload through the Elasticsearch store (property)', () => {
  let client: Client;
  let prefix: string;
  let store: ElasticsearchEventStore;
  beforeAll(async () => {
    client = testClient();
    prefix = testPrefix('payload-prop');
    store = await makeEsStore(client, prefix);
  });
  afterAll(async () => {
    await dropPrefix(client, prefix);
    await client.close();
  });

  const key = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom('_id', '_source', 'a.b', '.', '..', '', '__proto__', 'constructor', 'text', 'timestamp'),
  );
  /** JSON objects with keys from `keys` and string leaves from `strings`, besides numbers, booleans and nulls. */
  const jsonObjects = (keys: fc.Arbitrary<string>, strings: fc.Arbitrary<string>[]): fc.Arbitrary<JsonObject> =>
    fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        ...strings,
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
        tie('array'),
        tie('object'),
      ),
      array: fc.array(tie('value'), { maxLength: 4 }),
      object: fc.dictionary(keys, tie('value'), { maxKeys: 6 }),
    })).object as fc.Arbitrary<JsonObject>;
  const payload = jsonObjects(key, [fc.string({ maxLength: 30 })]);

  it('indexes a payload sent as it is to the flattened field exactly as its walked flat map', async () => {
    // Keys the walk treats alike (dots, `__proto__`) but not the empty key, so that most payloads go as they are.
    const plainKey = fc.oneof(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.constantFrom('a.b', '.', '..', '__proto__', 'constructor', 'x.'),
    );
    const value = jsonObjects(plainKey, [
      fc.string({ maxLength: 20 }),
      // Around the flattened field's ignore_above: longer values are stored, not indexed.
      fc.integer({ min: FLAT_IGNORE_ABOVE - 1, max: FLAT_IGNORE_ABOVE + 1 }).map((n) => 'v'.repeat(n)),
    ]);
    const index = `${prefix}-flat-check`;
    await client.indices.create({
      index,
      mappings: {
        dynamic: 'strict',
        properties: {
          run: { type: 'keyword' },
          side: { type: 'keyword' },
          // The events index's field, as es-indices.ts maps it, but with doc values: the same terms, and the values
          // each document indexed can be listed (an aggregation), so the comparison goes both ways.
          dataFlat: { type: 'flattened', ignore_above: FLAT_IGNORE_ABOVE, depth_limit: 1000, doc_values: true },
        },
      },
    });
    let asIs = 0;
    await fc.assert(
      fc.asyncProperty(value, async (generated) => {
        const data = JSON.parse(JSON.stringify(generated)) as JsonObject;
        const e = { eventId: randomUUID(), aggregateId: 'p-1', aggregateType: 'Prop', eventType: 'Shape', eventData: data, version: 1 };
        const doc = toSearchDocument(
          {
            ...e,
            position: 1,
            timestamp: new Date().toISOString(),
            correlationId: 'c',
            causationId: null,
            schemaVersion: 1,
            metadata: { userId: 'u-1', organizationId: 'org-1', source: 'test' },
          },
          {},
        );
        // The text leaves are the walk's either way: the payload's, then the metadata's.
        expect(doc.text).toEqual([...walkedLeaves(data).text, ...walkedLeaves(doc.metadata).text]);
        if (doc.dataFlat !== data) return; // walked, as every payload was before: nothing more to compare
        asIs++;
        const run = randomUUID();
        const walked = walkedLeaves(data).flat;
        await client.bulk({
          refresh: true,
          operations: [
            { index: { _index: index } },
            { run, side: 'as-is', dataFlat: data },
            { index: { _index: index } },
            { run, side: 'walked', dataFlat: walked },
          ],
        });
        const sides = async (field: string, v: string) =>
          (
            await client.search<{ side: string }>({
              index,
              size: 2,
              query: { bool: { filter: [{ term: { run } }, { term: { [field]: v } }] } },
            })
          ).hits.hits
            .map((h) => h._source?.side)
            .sort();
        // Every value either form indexed, whatever its path: the same two sets.
        const indexed = async (side: string) =>
          (
            (
              await client.search({
                index,
                size: 0,
                query: { bool: { filter: [{ term: { run } }, { term: { side } }] } },
                aggs: { values: { terms: { field: 'dataFlat', size: 10_000 } } },
              })
            ).aggregations?.values as { buckets: { key: string }[] }
          ).buckets
            .map((b) => b.key)
            .sort();
        expect(await indexed('as-is')).toEqual(await indexed('walked'));
        for (const [path, values] of Object.entries(walked)) {
          for (const v of values.filter((x) => x.length <= FLAT_IGNORE_ABOVE)) {
            expect([path, v, await sides(`dataFlat.${path}`, v)]).toEqual([path, v, ['as-is', 'walked']]);
            expect([path, v, await sides('dataFlat', v)]).toEqual([path, v, ['as-is', 'walked']]);
            expect(await sides(`dataFlat.${path}`, `${v}\u0001`)).toEqual([]);
          }
        }
      }),
      { numRuns: 40 },
    );
    // Most payloads took the new path, so the property was not met by walking them all.
    expect(asIs).toBeGreaterThan(20);
  }, 120_000);

  it('stores every shape and reads it back exactly, in every order of shapes, and the mapping never changes', async () => {
    const mappingBefore = JSON.stringify(await client.indices.getMapping({ index: `${prefix}-events` }));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(payload, payload), { minLength: 1, maxLength: 5 }), async (pairs) => {
        const id = `prop-${randomUUID()}`;
        // JSON is what crosses the wire: -0 becomes 0 and so on.
        const events = pairs.map(([data, meta]) => ({
          eventType: 'Shape',
          eventData: JSON.parse(JSON.stringify(data)) as JsonObject,
          metadata: JSON.parse(JSON.stringify(meta)) as JsonObject,
        }));
        await store.appendToStream(id, events, { aggregateType: 'Prop', expectedVersion: 'no_stream', context: writer() });
        const slice = await store.readStream(id, reader());
        slice.events.forEach((e, i) => {
          expect(JSON.stringify(e.eventData)).toBe(JSON.stringify(events[i].eventData));
          const { userId: _u, organizationId: _o, source: _s, ...rest } = e.metadata;
          const { userId: _u2, organizationId: _o2, source: _s2, ...sent } = events[i].metadata;
          expect(rest).toEqual(sent);
        });
      }),
      { numRuns: 60 },
    );
    await refresh(client, prefix);
    expect(JSON.stringify(await client.indices.getMapping({ index: `${prefix}-events` }))).toBe(mappingBefore);
  }, 120_000);
});
