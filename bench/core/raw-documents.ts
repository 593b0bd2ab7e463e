import type { JsonObject, SearchFieldDeclarations, StoredEvent } from '@gyroscops/event-store';

/**
 * The searchable document the event store writes per event (its `toSearchDocument`, which the library keeps
 * internal), rebuilt here so the raw baseline indexes exactly the same documents with plain Elasticsearch calls.
 * Every run checks this against what the store really wrote (see `verifySameDocuments`), so drift fails loudly.
 */
const MAX_LEAVES = 10_000;
const MAX_KEY_LENGTH = 512;
const MAX_TEXT_CHARS = 200_000;
const FLAT_IGNORE_ABOVE = 4096;

interface Leaves {
  flat: Record<string, string[]>;
  count: number;
  text: string[];
  textChars: number;
}

function walk(value: unknown, path: string, out: Leaves): void {
  if (out.count >= MAX_LEAVES || value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const v of value) walk(v, path, out);
    return;
  }
  if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value as JsonObject)) walk(v, path ? `${path}.${k === '' ? '_' : k}` : k === '' ? '_' : k, out);
    return;
  }
  const key = (path || '_').slice(0, MAX_KEY_LENGTH);
  const list = Object.prototype.hasOwnProperty.call(out.flat, key) ? out.flat[key] : (out.flat[key] = []);
  list.push(typeof value === 'string' ? value : String(value));
  out.count++;
  if (typeof value === 'string' && out.textChars < MAX_TEXT_CHARS) {
    const piece = value.slice(0, MAX_TEXT_CHARS - out.textChars);
    out.text.push(piece);
    out.textChars += piece.length;
  }
}

function leaves(obj: JsonObject, text: string[]): Leaves {
  const out: Leaves = { flat: Object.create(null) as Record<string, string[]>, count: 0, text, textChars: 0 };
  walk(obj, '', out);
  return out;
}

function at(obj: JsonObject, path: string): unknown {
  let cur: unknown = obj;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
    cur = (cur as JsonObject)[seg];
  }
  return cur;
}

export function searchDocument(e: StoredEvent, decl: SearchFieldDeclarations): Record<string, unknown> {
  const text: string[] = [];
  const data = leaves(e.eventData, text);
  const meta = leaves(e.metadata, text);
  const num: Record<string, number> = {};
  for (const d of decl.numeric ?? []) {
    if (d.eventTypes && !d.eventTypes.includes(e.eventType)) continue;
    const v = at(e.eventData, d.path);
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (Number.isFinite(n) && (d.type === 'double' || Number.isSafeInteger(n))) num[d.name] = n;
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
    metaFlat: meta.flat,
    text: data.text,
    num,
    kw,
  };
}

/** Document id of an event in the events index (the store's scheme: one document per stream version). */
export const eventDocumentId = (aggregateId: string, version: number): string => `${aggregateId}:${version}`;
