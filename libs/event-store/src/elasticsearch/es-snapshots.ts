import type { ReadScope, Snapshot } from '../event-store.port';
import { canRead, type EsContext } from './es-context';
import { statusOf, translate } from './es-errors';

/** Latest snapshot per aggregate, written with `version_type=external_gte` so an older one never replaces a newer one. */
export class SnapshotStore {
  constructor(private readonly ctx: EsContext) {}

  async saveSnapshot(snapshot: Omit<Snapshot, 'timestamp'>, scope: ReadScope): Promise<void> {
    try {
      await this.ctx.client.index({
        index: this.ctx.names.snapshots,
        id: snapshot.aggregateId,
        version: snapshot.version,
        version_type: 'external_gte',
        document: { ...snapshot, organizationId: scope.organizationId, timestamp: new Date().toISOString() },
      });
    } catch (e) {
      if (statusOf(e) === 409) return; // a newer snapshot is already there
      throw translate(e, 'saveSnapshot');
    }
  }

  async loadSnapshot<S>(aggregateId: string, scope: ReadScope): Promise<Snapshot<S> | null> {
    try {
      const r = await this.ctx.client.get<Snapshot<S> & { organizationId: string }>({ index: this.ctx.names.snapshots, id: aggregateId });
      const s = r._source;
      if (!s || !canRead(scope, s.organizationId)) return null;
      const { organizationId: _org, ...snapshot } = s;
      return snapshot;
    } catch (e) {
      if (statusOf(e) === 404) return null;
      throw translate(e, 'loadSnapshot');
    }
  }

  /**
   * Deletes the snapshots of every stream holding events of the subject (by its hash): they may hold state folded
   * from its decrypted data. Returns how many streams hold such events.
   */
  async deleteOfSubject(subjectHash: string): Promise<number> {
    const { client, names } = this.ctx;
    await client.indices.refresh({ index: names.events });
    const streams = await client.search({
      index: names.events,
      size: 0,
      query: { term: { subjectHash } },
      aggs: { streams: { terms: { field: 'aggregateId', size: 10000 } } },
    });
    const buckets = (streams.aggregations?.streams as { buckets?: { key: string }[] } | undefined)?.buckets ?? [];
    if (buckets.length > 0) {
      await client.bulk({ operations: buckets.map((b) => ({ delete: { _index: names.snapshots, _id: b.key } })) });
    }
    return buckets.length;
  }
}
