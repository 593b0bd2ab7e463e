import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Client } from '@elastic/elasticsearch';
import type { JsonObject } from '@gyroscops/event-store';
import type { ElasticsearchEventStore } from '@gyroscops/event-store/elasticsearch';
import { reader, writer } from '../../testing/event-store.contract';
import { dropPrefix, makeEsStore, refresh, testClient, testPrefix } from '../../testing/es-test-support';

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
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.string({ maxLength: 30 }),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      tie('array'),
      tie('object'),
    ),
    array: fc.array(tie('value'), { maxLength: 4 }),
    object: fc.dictionary(key, tie('value'), { maxKeys: 6 }),
  }));
  const payload = json.object as fc.Arbitrary<JsonObject>;

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
