import type { estypes } from '@elastic/elasticsearch';
import type { StoredEvent } from '../event-store.port';
import { bulkPairs, sleep, type EsContext } from './es-context';
import { documentRouting } from './es-events-layout';
import { eventDocumentId, toSearchDocument } from './es-search-fields';

/**
 * Writes event documents and event-id entries; returns per group whether all its documents landed.
 * `clientIds` tells which events carry a client-chosen id: only those can be retried, so only those need the
 * realtime id index (lookups of other ids fall back to search). Unknown (roll-forward): write them all.
 */
export async function writeDerived(ctx: EsContext, groups: StoredEvent[][], clientIds?: boolean[][]): Promise<boolean[]> {
  if (groups.length === 0) return [];
  const ok = groups.map(() => false);
  let pendingGroups = groups.map((g, i) => ({ g, i }));
  for (let attempt = 0; attempt < 4 && pendingGroups.length > 0; attempt++) {
    if (attempt > 0) await sleep(50 * 2 ** attempt);
    const ops: estypes.BulkOperationContainer[] = [];
    const docs: unknown[] = [];
    const owner: number[] = [];
    for (const { g, i } of pendingGroups) {
      for (const [k, e] of g.entries()) {
        const routing = documentRouting(ctx.eventsLayout, e.metadata.organizationId);
        ops.push({ index: { _index: ctx.names.events, _id: eventDocumentId(e.aggregateId, e.version), ...routing } });
        docs.push(toSearchDocument(e, ctx.decl));
        owner.push(i);
        if (clientIds && !clientIds[i][k]) continue;
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
