import type { estypes } from '@elastic/elasticsearch';
import type { StoredEvent } from '../event-store.port';
import { bulkPairs, sleep, type EsContext } from './es-context';
import { documentRouting } from './es-events-layout';
import { eventDocumentId, toSearchDocument } from './es-search-fields';

/**
 * Writes event documents and, with `withEventIds`, event-id entries; returns per group whether all its documents
 * landed. The commit path writes no event-id entries: client-chosen ids (the only ones a client can retry) are
 * reserved before the commit and their reservation stays their entry, settled through the log (`settleReservations`);
 * lookups of server-generated ids fall back to search. Roll-forward and re-derivation write them all (harmless).
 */
export async function writeDerived(ctx: EsContext, groups: StoredEvent[][], withEventIds = true): Promise<boolean[]> {
  if (groups.length === 0) return [];
  const ok = groups.map(() => false);
  let pendingGroups = groups.map((g, i) => ({ g, i }));
  for (let attempt = 0; attempt < 4 && pendingGroups.length > 0; attempt++) {
    if (attempt > 0) await sleep(50 * 2 ** attempt);
    const ops: estypes.BulkOperationContainer[] = [];
    const docs: unknown[] = [];
    const owner: number[] = [];
    for (const { g, i } of pendingGroups) {
      for (const e of g) {
        const routing = documentRouting(ctx.eventsLayout, e.metadata.organizationId);
        ops.push({ index: { _index: ctx.names.events, _id: eventDocumentId(e.aggregateId, e.version), ...routing } });
        docs.push(toSearchDocument(e, ctx.decl));
        owner.push(i);
        if (!withEventIds) continue;
        ops.push({ index: { _index: ctx.names.eventIds, _id: e.eventId } });
        docs.push({ aggregateId: e.aggregateId, version: e.version });
        owner.push(i);
      }
    }
    const failed = new Set<number>();
    try {
      const items = await bulkPairs(ctx.client, ops, docs);
      items.forEach((it, k) => {
        if (!it || it.status >= 300) failed.add(owner[k]);
      });
    } catch {
      for (const { i } of pendingGroups) failed.add(i);
    }
    for (const { i } of pendingGroups) if (!failed.has(i)) ok[i] = true;
    pendingGroups = pendingGroups.filter(({ i }) => failed.has(i));
  }
  return ok;
}
