import type { EventQuery, ReadScope, StoredEvent } from '../event-store.port';

// What the Elasticsearch adapter's search filters do (es-query.ts), over events in memory.

function stringLeaves(v: unknown, out: string[]): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => stringLeaves(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => stringLeaves(x, out));
  return out;
}

function leafAt(obj: unknown, path: string): unknown[] {
  let cur: unknown[] = [obj];
  for (const seg of path.split('.')) {
    cur = cur
      .flatMap((c) => (Array.isArray(c) ? c : [c]))
      .flatMap((c) =>
        c && typeof c === 'object' && Object.prototype.hasOwnProperty.call(c, seg) ? [(c as Record<string, unknown>)[seg]] : [],
      );
  }
  return cur.flatMap((c) => (Array.isArray(c) ? c : [c]));
}

const tokens = (s: string) =>
  s
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);

/** Whether a visible event matches a search query and the caller's scope. */
export function matchesQuery(e: StoredEvent, q: EventQuery, scope: ReadScope): boolean {
  const org = e.metadata.organizationId;
  if (!scope.isAdmin && org !== scope.organizationId) return false;
  if (q.aggregateType && e.aggregateType !== q.aggregateType) return false;
  if (q.aggregateId && e.aggregateId !== q.aggregateId) return false;
  if (q.eventType !== undefined) {
    const types = Array.isArray(q.eventType) ? q.eventType : [q.eventType];
    if (types.length > 0 && !types.includes(e.eventType)) return false;
  }
  if (q.correlationId && e.correlationId !== q.correlationId) return false;
  if (q.causationId && e.causationId !== q.causationId) return false;
  if (q.userId && e.metadata.userId !== q.userId) return false;
  if (q.organizationId && org !== q.organizationId) return false;
  const t = Date.parse(e.timestamp);
  if (q.from && t < q.from.getTime()) return false;
  if (q.to && t > q.to.getTime()) return false;
  for (const [k, v] of Object.entries(q.data ?? {})) {
    if (!leafAt(e.eventData, k).some((x) => String(x) === String(v))) return false;
  }
  if (q.q && q.q.trim() !== '') {
    const have = new Set(stringLeaves([e.eventData, e.metadata], []).flatMap(tokens));
    if (!tokens(q.q).every((tok) => have.has(tok))) return false;
  }
  return true;
}
