import type { JsonObject, StoredEvent } from '../event-store.port';
import { toSearchDocument, walkedLeaves } from './es-search-fields';

const event = (eventData: JsonObject): StoredEvent => ({
  eventId: '00000000-0000-4000-8000-000000000000',
  aggregateId: 'a-1',
  aggregateType: 'Thing',
  eventType: 'Happened',
  eventData,
  version: 1,
  position: 1,
  timestamp: '2026-12-02T00:00:00.000Z',
  correlationId: 'c-1',
  causationId: null,
  schemaVersion: 1,
  metadata: { userId: 'u-1', organizationId: 'org-1', source: 'test' },
});

/** Whether the searchable document carries the payload as it is in `dataFlat` (else the walked flat map). */
const asIs = (data: JsonObject): boolean => toSearchDocument(event(data), {}).dataFlat === data;

const nested = (depth: number): JsonObject => {
  let o: JsonObject = { leaf: 'x' };
  for (let i = 1; i < depth; i++) o = { n: o };
  return o;
};
const leaves = (n: number, value: unknown = 1): JsonObject => ({ list: Array.from({ length: n }, () => value) as JsonObject[] });

describe('the searchable document of a payload (dataFlat)', () => {
  it('carries an ordinary payload as it is, with dotted keys, arrays of objects, nulls and empty containers', () => {
    // Parsed, as a request body is: `__proto__` is then an own key, not the prototype.
    expect(asIs(JSON.parse('{"a":{"b.c":[{"d":1},{"d":"two"}],"e":null,"f":{},"g":[]},".":true,"__proto__":"p"}') as JsonObject)).toBe(
      true,
    );
  });

  it('walks what the flattened field would index otherwise or refuse: empty keys, NUL in keys, arrays in arrays', () => {
    expect(asIs({ '': 1 })).toBe(false);
    expect(asIs({ a: { 'b\u0000': 1 } })).toBe(false);
    expect(asIs({ a: [[1, 2], 3] })).toBe(false);
    expect(walkedLeaves({ '': 1, 'a\u0000b': 2, c: [[3]] }).flat).toEqual({ _: ['1'], 'a\ufffdb': ['2'], c: ['3'] });
  });

  it('draws its limits where the walk does: 512-character paths, 10,000 leaves and nulls, 64 levels', () => {
    const path = (n: number): JsonObject => ({ ['k'.repeat(n - 2)]: { z: 1 } });
    expect(asIs(path(512))).toBe(true);
    expect(asIs(path(513))).toBe(false);
    expect(asIs(leaves(10_000))).toBe(true);
    expect(asIs(leaves(10_001))).toBe(false);
    expect(asIs(leaves(10_001, null))).toBe(false);
    expect(asIs(nested(64))).toBe(true);
    expect(asIs(nested(65))).toBe(false);
    // Past a limit the walk decides, as before: a path cut at 512, leaves after the 10,000th left out.
    expect(Object.keys(walkedLeaves(path(513)).flat)[0]).toHaveLength(512);
    expect(walkedLeaves(leaves(10_001)).flat.list).toHaveLength(10_000);
  });

  it('collects the same text leaves either way, payload first, then metadata', () => {
    const data = { a: 'one', b: [{ c: 'two' }, 3, true], d: { e: 'three' } };
    expect(toSearchDocument(event(data), {}).text).toEqual(['one', 'two', 'three', 'u-1', 'org-1', 'test']);
    expect(toSearchDocument(event({ ...data, '': 'four' }), {}).text).toEqual(['one', 'two', 'three', 'four', 'u-1', 'org-1', 'test']);
  });
});
