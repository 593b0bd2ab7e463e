import type { JsonObject, StoredEvent } from '../event-store.port';

/** A numeric field declared for aggregations: the value at `path` in eventData of the listed event types. */
export interface NumericFieldDeclaration {
  /** Field name under `num.` in the events index. Letters, digits and underscores. */
  name: string;
  /** Dotted path in eventData. */
  path: string;
  type: 'long' | 'double';
  /** Restrict to these event types (all when absent). */
  eventTypes?: readonly string[];
}

/** A keyword field declared for exact terms aggregations (e.g. currency, step kind). */
export interface KeywordFieldDeclaration {
  name: string;
  path: string;
  eventTypes?: readonly string[];
}

export interface SearchFieldDeclarations {
  numeric?: readonly NumericFieldDeclaration[];
  keyword?: readonly KeywordFieldDeclaration[];
}

/** The searchable document of one event in the events index (its mapping: `es-indices.ts`). */
export type EventSearchDocument = Pick<
  StoredEvent,
  | 'eventId'
  | 'aggregateId'
  | 'aggregateType'
  | 'eventType'
  | 'version'
  | 'position'
  | 'timestamp'
  | 'correlationId'
  | 'causationId'
  | 'schemaVersion'
  | 'eventData'
  | 'metadata'
  | 'personal'
> & {
  /** The envelope's metadata fields as keywords. */
  userId: string;
  organizationId: string;
  source: string;
  /**
   * Every leaf of eventData for exact filters (`dataFlat.<dotted path>`), in a `flattened` field: eventData itself when
   * Elasticsearch indexes it exactly as the flat map of `walk` (see `scan`), else that map.
   */
  dataFlat: Record<string, string[]> | JsonObject | null;
  text: string[];
  num: Record<string, number>;
  kw: Record<string, string>;
  subjectHash?: string;
};

/** Fields indexed for search but not stored in `_source` (nor returned): the envelope is kept once, not three times. */
export const DERIVED_FIELDS = ['dataFlat', 'metaFlat', 'text', 'num', 'kw'];

// Bounds of what gets indexed for search. The event itself is always stored whole in `_source`.
const MAX_LEAVES = 10_000;
const MAX_KEY_LENGTH = 512;
const MAX_TEXT_CHARS = 200_000;
export const FLAT_IGNORE_ABOVE = 4096;

interface Leaves {
  /** Exact leaves by path; null when only text is wanted. */
  flat: Record<string, string[]> | null;
  count: number;
  text: string[];
  textChars: number;
}

function walk(value: unknown, path: string, out: Leaves): void {
  if (out.count >= MAX_LEAVES) return;
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const v of value) walk(v, path, out);
    return;
  }
  if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value as JsonObject)) {
      const seg = k === '' ? '_' : flatKey(k);
      walk(v, path ? `${path}.${seg}` : seg, out);
    }
    return;
  }
  if (out.flat) {
    const key = (path || '_').slice(0, MAX_KEY_LENGTH);
    const str = typeof value === 'string' ? value : String(value);
    // Own-property map built without prototype lookups: keys like `__proto__` or `constructor` are plain keys here.
    const list = Object.prototype.hasOwnProperty.call(out.flat, key) ? out.flat[key] : (out.flat[key] = []);
    list.push(str);
  }
  out.count++;
  if (typeof value === 'string' && out.textChars < MAX_TEXT_CHARS) {
    const piece = value.slice(0, MAX_TEXT_CHARS - out.textChars);
    out.text.push(piece);
    out.textChars += piece.length;
  }
}

/**
 * A key as the `flattened` field can hold it: Elasticsearch refuses a document whose flattened keys contain NUL (its
 * separator between path and value), so NUL becomes U+FFFD, in documents and in the exact filters alike.
 */
export const flatKey = (key: string): string => (key.includes('\u0000') ? key.replaceAll('\u0000', '\ufffd') : key);

/** Deepest object nesting sent to the `flattened` field as it is (its depth_limit is 1000); deeper goes through `walk`. */
const MAX_NESTED_DEPTH = 64;

interface Scan {
  text: string[];
  textChars: number;
  count: number;
  /** Elasticsearch's `flattened` field indexes the value exactly as `walk`'s flat map of it. */
  asIs: boolean;
}

/**
 * The text leaves of `value`, in `walk`'s order, and whether the `flattened` field would index it as it is exactly as
 * `walk`'s flat map (the same dotted paths, the same values as text): no empty key (`walk` writes `_`) nor NUL in a
 * key (see `flatKey`), no path over MAX_KEY_LENGTH (`walk` cuts it), at most MAX_LEAVES leaves and nulls (`walk`
 * stops at MAX_LEAVES leaves), no array directly in an array, no nesting deeper than MAX_NESTED_DEPTH. Builds no path
 * and no map: most payloads pass, and sending them as they are costs a fraction of building and serialising the map.
 * `prefix` is the parent path's length, -1 at the root.
 */
function scan(value: unknown, prefix: number, depth: number, inArray: boolean, out: Scan): void {
  if (!out.asIs) return;
  if (value === null || value === undefined) {
    // Nothing to index, but sent all the same: counted, so a payload of a million nulls is walked (to nothing).
    if (++out.count > MAX_LEAVES) out.asIs = false;
    return;
  }
  if (Array.isArray(value)) {
    if (inArray) out.asIs = false;
    for (const v of value) scan(v, prefix, depth, true, out);
    return;
  }
  if (typeof value === 'object') {
    if (depth >= MAX_NESTED_DEPTH) out.asIs = false;
    for (const k of Object.keys(value)) {
      const length = prefix < 0 ? k.length : prefix + 1 + k.length;
      if (k === '' || length > MAX_KEY_LENGTH || k.includes('\u0000')) out.asIs = false;
      scan((value as JsonObject)[k], length, depth + 1, false, out);
    }
    return;
  }
  if (++out.count > MAX_LEAVES) out.asIs = false;
  else if (typeof value === 'string' && out.textChars < MAX_TEXT_CHARS) {
    const piece = value.slice(0, MAX_TEXT_CHARS - out.textChars);
    out.text.push(piece);
    out.textChars += piece.length;
  }
}

/**
 * What `walk` makes of a payload: every leaf's text by dotted path (what `dataFlat` held for every event before
 * `scan`), and its text leaves.
 */
export function walkedLeaves(data: JsonObject): { flat: Record<string, string[]>; text: string[] } {
  const walked = leaves(data);
  return { flat: walked.flat ?? {}, text: walked.text };
}

/** eventData's leaves: the payload itself for the `flattened` field when it indexes the same (see `scan`), else walked. */
function dataLeaves(data: JsonObject): { flat: Record<string, string[]> | JsonObject; text: string[] } {
  const out: Scan = { text: [], textChars: 0, count: 0, asIs: true };
  scan(data, -1, 0, false, out);
  if (out.asIs) return { flat: data, text: out.text };
  const walked = leaves(data);
  return { flat: walked.flat ?? Object.create(null), text: walked.text };
}

function leaves(obj: JsonObject, text: Leaves['text'] = [], exact = true): Leaves {
  const flat = exact ? (Object.create(null) as Record<string, string[]>) : null;
  const out: Leaves = { flat, count: 0, text, textChars: 0 };
  walk(obj, '', out);
  return out;
}

function at(obj: JsonObject, path: string): unknown {
  let cur: unknown = obj;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
    cur = (cur as JsonObject)[seg];
  }
  return cur;
}

function toNumber(v: unknown, type: 'long' | 'double'): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) return undefined;
  if (type === 'long') return Number.isSafeInteger(n) ? n : undefined;
  return n;
}

/** The searchable document of one event: fixed top-level fields, so no payload can grow or conflict the mapping. */
export function toSearchDocument(e: StoredEvent, decl: SearchFieldDeclarations): EventSearchDocument {
  const data = dataLeaves(e.eventData);
  leaves(e.metadata, data.text, false);
  const num: Record<string, number> = {};
  for (const d of decl.numeric ?? []) {
    if (d.eventTypes && !d.eventTypes.includes(e.eventType)) continue;
    const n = toNumber(at(e.eventData, d.path), d.type);
    if (n !== undefined) num[d.name] = n;
  }
  const kw: Record<string, string> = {};
  for (const d of decl.keyword ?? []) {
    if (d.eventTypes && !d.eventTypes.includes(e.eventType)) continue;
    const v = at(e.eventData, d.path);
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') kw[d.name] = String(v).slice(0, FLAT_IGNORE_ABOVE);
  }
  const { userId, organizationId, source } = e.metadata;
  return {
    eventId: e.eventId,
    aggregateId: e.aggregateId,
    aggregateType: e.aggregateType,
    eventType: e.eventType,
    version: e.version,
    position: e.position,
    timestamp: e.timestamp,
    correlationId: e.correlationId,
    causationId: e.causationId,
    schemaVersion: e.schemaVersion,
    userId: String(userId),
    organizationId: String(organizationId),
    source: String(source),
    eventData: e.eventData,
    metadata: e.metadata,
    dataFlat: data.flat,
    // Metadata is searchable as text (`q`); no query filters on its exact leaves, so no `metaFlat` copy is indexed.
    text: data.text,
    num,
    kw,
    // Sealed personal data rides along (it is read back with the envelope) but nothing of it is indexed but its hash.
    ...(e.personal ? { personal: e.personal, subjectHash: (e.personal as unknown as { subjectHash?: string }).subjectHash } : {}),
  };
}

/** Rebuilds the envelope from a search document's `_source`. */
export function fromSearchDocument(src: Record<string, unknown>): StoredEvent {
  return {
    eventId: src.eventId as string,
    aggregateId: src.aggregateId as string,
    aggregateType: src.aggregateType as string,
    eventType: src.eventType as string,
    eventData: src.eventData as JsonObject,
    version: src.version as number,
    position: src.position as number,
    timestamp: src.timestamp as string,
    correlationId: src.correlationId as string,
    causationId: (src.causationId as string | null) ?? null,
    schemaVersion: (src.schemaVersion as number) ?? 1,
    metadata: src.metadata as StoredEvent['metadata'],
    ...(src.personal ? { personal: src.personal as StoredEvent['personal'] } : {}),
  };
}

/** Id of an event's searchable document in the events index. */
export const eventDocumentId = (aggregateId: string, version: number): string => `${aggregateId}:${version}`;
