import type { estypes } from '@elastic/elasticsearch';
import { EventStoreUnavailableError } from '../event-store.errors';
import type { ReadScope, Snapshot } from '../event-store.port';
import { subjectHash, type SubjectKeyStore } from '../personal-data';
import { canRead, type EsContext } from './es-context';
import { statusOf, translate } from './es-errors';

/** Streams per page of the erasure's walk over the subject's streams. */
const STREAMS_PER_PAGE = 1000;

/** Latest snapshot per aggregate, written with `version_type=external_gte` so an older one never replaces a newer one. */
export class SnapshotStore {
  constructor(
    private readonly ctx: EsContext,
    private readonly keys: Pick<SubjectKeyStore, 'keysOf'>,
  ) {}

  /**
   * Writes the snapshot unless a newer one is there. One naming its subjects is checked once written: when a subject's
   * key is gone (an erasure deleted it before this check), the snapshot is deleted again; an erasure that deletes the
   * key after this check finds the snapshot by its subjects. So no snapshot folded from a subject's data outlives
   * the subject's erasure, whatever the interleaving.
   */
  async saveSnapshot(snapshot: Omit<Snapshot, 'timestamp'>, scope: ReadScope): Promise<void> {
    const subjects = [...new Set(snapshot.subjects ?? [])];
    try {
      await this.ctx.client.index({
        index: this.ctx.names.snapshots,
        id: snapshot.aggregateId,
        version: snapshot.version,
        version_type: 'external_gte',
        document: {
          ...snapshot,
          ...(subjects.length > 0 ? { subjects, subjectHashes: subjects.map(subjectHash) } : {}),
          organizationId: scope.organizationId,
          timestamp: new Date().toISOString(),
        },
      });
      if (subjects.length === 0) return;
      const keys = await this.keys.keysOf(subjects);
      if (subjects.every((s) => keys.has(s))) return;
      await this.ctx.client
        .delete({ index: this.ctx.names.snapshots, id: snapshot.aggregateId, version: snapshot.version, version_type: 'external_gte' })
        .catch((e: unknown) => {
          // Gone already, or replaced by a newer one (whose writer checks its own subjects).
          if (statusOf(e) !== 404 && statusOf(e) !== 409) throw e;
        });
    } catch (e) {
      if (statusOf(e) === 409) return; // a newer snapshot is already there
      throw translate(e, 'saveSnapshot');
    }
  }

  async loadSnapshot<S>(aggregateId: string, scope: ReadScope): Promise<Snapshot<S> | null> {
    try {
      const r = await this.ctx.client.get<Snapshot<S> & { organizationId: string; subjectHashes?: string[] }>({
        index: this.ctx.names.snapshots,
        id: aggregateId,
      });
      const s = r._source;
      if (!s || !canRead(scope, s.organizationId)) return null;
      const { organizationId: _org, subjectHashes: _hashes, ...snapshot } = s;
      return snapshot;
    } catch (e) {
      if (statusOf(e) === 404) return null;
      throw translate(e, 'loadSnapshot');
    }
  }

  /**
   * Deletes the snapshots of every stream holding events of the subject (by its hash): they may hold state folded
   * from its decrypted data. The streams are found through search and through the log, whose commits (and the
   * tombstones of purged ones) index their subjects: a stream search no longer holds (soft-deleted, under retention)
   * is found there. Returns how many streams hold such events.
   */
  async deleteOfSubject(subjectHash: string): Promise<number> {
    const { client, names } = this.ctx;
    await client.indices.refresh({ index: [names.events, names.log, names.snapshots] });
    const streams = new Set<string>();
    for (const [index, field] of [
      [names.events, 'subjectHash'],
      [names.log, 'subjects'],
      [names.snapshots, 'subjectHashes'],
    ] as const) {
      for await (const ids of this.pagesOfStreams(index, { term: { [field]: subjectHash } })) for (const id of ids) streams.add(id);
    }
    const all = [...streams];
    for (let i = 0; i < all.length; i += STREAMS_PER_PAGE) {
      const ids = all.slice(i, i + STREAMS_PER_PAGE);
      const deleted = await client.bulk({ operations: ids.map((id) => ({ delete: { _index: names.snapshots, _id: id } })) });
      // A snapshot that is still there may hold the subject's decrypted data: the erasure is not done (erasing again
      // finishes it). A stream without a snapshot answers 404.
      const failedAt = deleted.items.findIndex(({ delete: it }) => !it || (it.status >= 300 && it.status !== 404));
      if (failedAt >= 0) {
        const it = deleted.items[failedAt].delete;
        throw new EventStoreUnavailableError(
          `the snapshot of stream ${ids[failedAt]} could not be deleted (${it?.error?.type ?? it?.status ?? 'no answer'}); erase the subject again`,
        );
      }
    }
    return streams.size;
  }

  /** The `aggregateId`s of the documents of `index` matching `query`, a page at a time (no cap on how many). */
  private async *pagesOfStreams(index: string, query: estypes.QueryDslQueryContainer): AsyncGenerator<string[]> {
    let after: Record<string, estypes.FieldValue> | undefined;
    for (;;) {
      const r = await this.ctx.client.search({
        index,
        size: 0,
        query,
        aggs: {
          streams: {
            composite: { size: STREAMS_PER_PAGE, sources: [{ id: { terms: { field: 'aggregateId' } } }], ...(after ? { after } : {}) },
          },
        },
      });
      const page = r.aggregations?.streams as estypes.AggregationsCompositeAggregate | undefined;
      const ids = ((page?.buckets ?? []) as estypes.AggregationsCompositeBucket[]).map((b) => String(b.key.id));
      if (ids.length === 0) return;
      yield ids;
      after = page?.after_key;
      if (!after) return;
    }
  }
}
