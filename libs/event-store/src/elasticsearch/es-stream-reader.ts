import type { estypes } from '@elastic/elasticsearch';
import { EventStoreUnavailableError, StreamNotFoundError } from '../event-store.errors';
import type { ReadStreamOptions, StoredEvent, StreamSlice } from '../event-store.port';
import { firstVisibleVersion, streamExists, withinMaxAge } from '../stream-lifecycle';
import { hasTelemetryRetention, telemetryExpired } from '../telemetry-retention';
import { nowOf, type EsContext } from './es-context';
import { failOnItemErrors } from './es-errors';
import { documentRouting } from './es-events-layout';
import type { CommitDoc, EventIdDoc, Head, HeadDoc, LocatedEventId } from './es-documents';
import type { GlobalLog } from './es-log';
import { eventDocumentId, fromSearchDocument } from './es-search-fields';

const CHUNK = 1000;

function headsFrom(ids: string[], docs: estypes.MgetResponseItem<HeadDoc>[]): Map<string, Head> {
  failOnItemErrors(docs);
  const out = new Map<string, Head>();
  docs.forEach((d, i) => {
    const found = 'found' in d && d.found;
    out.set(ids[i], found ? { doc: d._source as HeadDoc, seqNo: d._seq_no, primaryTerm: d._primary_term } : { doc: null });
  });
  return out;
}

function eventIdsFrom(docs: estypes.MgetResponseItem<EventIdDoc>[]): Map<string, LocatedEventId> {
  failOnItemErrors(docs);
  const out = new Map<string, LocatedEventId>();
  for (const d of docs) {
    if ('found' in d && d.found && d._source)
      out.set(d._id, { ...d._source, seqNo: d._seq_no as number, primaryTerm: d._primary_term as number });
  }
  return out;
}

/** A commit a scavenge removed expired telemetry from: the versions it removed stay recorded, so reads know them hidden. */
export type ScavengedCommit = CommitDoc & { expired?: number[] };

/**
 * Realtime reads of streams: heads (`mget`), event-id documents, and a stream's events from its per-event documents,
 * or from its commit document for an append committed but not yet finalised.
 */
export class StreamReader {
  constructor(
    private readonly ctx: EsContext,
    private readonly log: GlobalLog,
  ) {}

  async getHeads(ids: string[]): Promise<Map<string, Head>> {
    const r = await this.ctx.client.mget<HeadDoc>({ index: this.ctx.names.streams, ids });
    return headsFrom(ids, r.docs);
  }

  /** The event-id documents of these ids (reservations included), with what a compare-and-set over them needs. */
  async locateEventIds(ids: string[]): Promise<Map<string, LocatedEventId>> {
    if (ids.length === 0) return new Map();
    const r = await this.ctx.client.mget<EventIdDoc>({ index: this.ctx.names.eventIds, ids });
    return eventIdsFrom(r.docs);
  }

  /** `getHeads` and `locateEventIds` in one `mget` (both indices), one request for the two reads of round 1. */
  async getHeadsAndEventIds(heads: string[], eventIds: string[]): Promise<[Map<string, Head>, Map<string, LocatedEventId>]> {
    if (eventIds.length === 0) return [await this.getHeads(heads), new Map()];
    const { streams, eventIds: index } = this.ctx.names;
    const r = await this.ctx.client.mget<HeadDoc | EventIdDoc>({
      docs: [...heads.map((_id) => ({ _index: streams, _id })), ...eventIds.map((_id) => ({ _index: index, _id }))],
    });
    return [
      headsFrom(heads, r.docs.slice(0, heads.length) as estypes.MgetResponseItem<HeadDoc>[]),
      eventIdsFrom(r.docs.slice(heads.length) as estypes.MgetResponseItem<EventIdDoc>[]),
    ];
  }

  /** A stream as it is now, whoever owns it (callers check the organization). */
  async read(aggregateId: string, options: ReadStreamOptions): Promise<StreamSlice> {
    const heads = await this.getHeads([aggregateId]);
    const head = heads.get(aggregateId) as Head;
    const doc = head.doc;
    if (!doc) throw new StreamNotFoundError(aggregateId);
    let finalized = doc.version;
    let version = doc.version;
    let pendingEvents: StoredEvent[] = [];
    if (doc.pending) {
      // Committed but not yet finalised: the commit document is the truth for those versions.
      const log = await this.log.getLogDoc(doc.pending.firstPosition);
      if (log?.kind === 'commit' && log.txId === doc.pending.txId) {
        version = log.toVersion;
        pendingEvents = log.events;
        finalized = doc.version;
      }
    }
    if (version === 0 || !streamExists(doc.lifecycle, version)) throw new StreamNotFoundError(aggregateId);
    // Retention and soft deletion hide the versions below `lowest`; maxAge and the store's telemetry retention hide
    // by timestamp (and type), known once read: then versions are read in chunks until `maxCount` are shown.
    const lowest = firstVisibleVersion(doc.lifecycle, version);
    const at = nowOf(this.ctx);
    const byAge = !!doc.lifecycle?.maxAge;
    const telemetry = this.ctx.telemetry;
    const filtering = byAge || hasTelemetryRetention(telemetry);
    const shows = (e: StoredEvent) => (!byAge || withinMaxAge(doc.lifecycle, e.timestamp, at)) && !telemetryExpired(telemetry, e, at);
    const upper = Math.min(version, options.toVersion ?? version);
    const direction = options.direction ?? 'forward';
    const maxCount = Math.max(0, options.maxCount ?? Number.MAX_SAFE_INTEGER);
    const cap = filtering ? Number.MAX_SAFE_INTEGER : maxCount;
    let versions: number[] = [];
    if (direction === 'forward') {
      for (let v = Math.max(lowest, options.fromVersion ?? 1); v <= upper && versions.length < cap; v++) versions.push(v);
    } else {
      for (let v = Math.min(upper, options.fromVersion ?? upper); v >= lowest && versions.length < cap; v--) versions.push(v);
    }
    const byVersion = new Map<number, StoredEvent>();
    for (const e of pendingEvents) byVersion.set(e.version, e);
    let shown = 0;
    // Filtering, a small page starts with a small read and doubles while too few are shown (a last-event read stays one
    // small mget); otherwise the versions wanted are exactly those listed.
    let size = filtering ? Math.min(CHUNK, Math.max(16, maxCount)) : CHUNK;
    for (let i = 0; i < versions.length; i += size, size = Math.min(CHUNK, size * 2)) {
      const part = versions.slice(i, i + size);
      const chunk = part.filter((v) => v <= finalized);
      if (chunk.length > 0) {
        const r = await this.ctx.client.mget<Record<string, unknown>>({
          index: this.ctx.names.events,
          ...documentRouting(this.ctx.eventsLayout, doc.organizationId),
          ids: chunk.map((v) => eventDocumentId(aggregateId, v)),
          _source_excludes: ['dataFlat', 'metaFlat', 'text', 'num', 'kw'],
        });
        r.docs.forEach((d, k) => {
          if ('found' in d && d.found && d._source) byVersion.set(chunk[k], fromSearchDocument(d._source));
        });
      }
      if (!filtering) continue;
      for (const v of part) {
        const e = byVersion.get(v);
        if (e && shows(e)) shown++;
      }
      // Enough shown: the versions after this chunk are not needed (missing ones of it are resolved below).
      if (shown >= maxCount) {
        versions = versions.slice(0, i + size);
        break;
      }
    }
    const missing = versions.filter((v) => v <= finalized && !byVersion.has(v));
    if (missing.length > 0) {
      // A deletion or a scavenge may have removed them after the head was read: what it hides now is not missing.
      const now = (await this.getHeads([aggregateId])).get(aggregateId)?.doc;
      const hiddenNow = firstVisibleVersion(now?.lifecycle, now?.version ?? version);
      const lost = now?.lifecycle?.hardDeleted ? [] : missing.filter((v) => v >= hiddenNow);
      if (lost.length > 0) {
        // Still visible, yet no document: one a lifecycle change is deriving again (it reveals versions before it
        // writes their documents), one a derivation failed to write, or telemetry a scavenge removed (its commit
        // records the version as expired). The log's commit tells which.
        const wanted = new Set(lost);
        const expired = new Set<number>();
        for (const commit of (await this.log.commitsOf(aggregateId)) as ScavengedCommit[]) {
          for (const e of commit.events) if (wanted.has(e.version)) byVersion.set(e.version, e);
          for (const v of commit.expired ?? []) if (wanted.has(v)) expired.add(v);
        }
        const gone = lost.filter((v) => !byVersion.has(v) && !expired.has(v));
        if (gone.length > 0)
          throw new EventStoreUnavailableError(
            `event ${aggregateId}@${gone[0]} is committed but neither its document nor its commit is found`,
          );
      }
      if (now?.lifecycle?.hardDeleted || !streamExists(now?.lifecycle, now?.version ?? 0)) throw new StreamNotFoundError(aggregateId);
    }
    return {
      aggregateId,
      aggregateType: doc.aggregateType,
      organizationId: doc.organizationId,
      version,
      events: versions
        .filter((v) => byVersion.has(v))
        .map((v) => byVersion.get(v) as StoredEvent)
        .filter(shows)
        .slice(0, maxCount)
        .map((e) => this.ctx.upcasters.apply(e)),
    };
  }
}
