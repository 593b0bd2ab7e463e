import type { estypes } from '@elastic/elasticsearch';
import { EventStoreUnavailableError, StreamDeletedError, StreamNotFoundError } from '../event-store.errors';
import type { ReadScope, ScavengeProgress, ScavengeReport, StoredEvent, StreamMetadata } from '../event-store.port';
import { emptyScavengeReport, firstVisibleVersion, streamMetadata, withinMaxAge, type StreamLifecycle } from '../stream-lifecycle';
import { telemetryExpired } from '../telemetry-retention';
import { bulkPairs, canRead, nowOf, sleep, type EsContext } from './es-context';
import { writeDerived } from './es-derived';
import type { CommitDoc, HeadDoc, TombstoneDoc } from './es-documents';
import { failOnItemErrors, statusOf } from './es-errors';
import { documentRouting } from './es-events-layout';
import type { LeaseRecovery } from './es-lease-recovery';
import type { GlobalLog } from './es-log';
import { telemetryHidden } from './es-query';
import { eventDocumentId } from './es-search-fields';
import type { ScavengedCommit, StreamReader } from './es-stream-reader';

/**
 * Deletion and retention of streams. The head records the stream's lifecycle (every head write carries it over, and
 * changing it is a compare-and-set on the head, so it never races an append). What reads may no longer show leaves
 * the search index at once; the log keeps the payloads until a hard delete or a scavenge rewrites its documents
 * (same ids and position ranges, so the global log stays gap-safe).
 */
export class StreamLifecycleStore {
  constructor(
    private readonly ctx: EsContext,
    private readonly reader: StreamReader,
    private readonly recovery: LeaseRecovery,
    private readonly log: GlobalLog,
  ) {}

  async metadata(aggregateId: string, scope: ReadScope): Promise<StreamMetadata> {
    const head = await this.settledHead(aggregateId, scope);
    return metadataOf(head.doc);
  }

  /**
   * Changes a stream's lifecycle with a compare-and-set on its head, then brings the other documents in line (`settle`):
   * versions newly hidden leave search, versions visible again are derived again from the log, a hard delete purges
   * everything. The head records the versions being settled (`unsettled`) until that is done, so a change that fails
   * half-way is finished by the next change of the stream (a retry) or the next scavenge; a retried hard delete that
   * finds its purge unfinished finishes it and answers as done.
   */
  async change(
    aggregateId: string,
    scope: ReadScope,
    next: (l: StreamLifecycle, doc: HeadDoc) => StreamLifecycle,
  ): Promise<StreamMetadata> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const head = await this.settledHead(aggregateId, scope);
      const doc = head.doc;
      const { unsettled, ...current } = doc.lifecycle ?? {};
      if (current.hardDeleted && !(unsettled && next(current, doc).hardDeleted)) throw new StreamDeletedError(aggregateId);
      const lifecycle = current.hardDeleted ? current : next(current, doc);
      // The versions whose documents change: between the old and the new first visible version; all of a hard delete's.
      const before = firstVisibleVersion(current, doc.version);
      const after = firstVisibleVersion(lifecycle, doc.version);
      const changed = lifecycle.hardDeleted
        ? { from: 1, to: doc.version + 1 }
        : { from: Math.min(before, after), to: Math.max(before, after) };
      const range = spanning(unsettled, changed);
      const settled: HeadDoc = { ...doc, lifecycle, updatedAt: new Date().toISOString() };
      const marked: HeadDoc = range ? { ...settled, lifecycle: { ...lifecycle, unsettled: range } } : settled;
      // An append or another admin moved the head: read again.
      const written = await this.replaceHead(aggregateId, head, marked);
      if (!written) continue;
      if (range) {
        await this.settle(marked, range);
        // Search (and the event-by-id fallback through it) reflects the change at once, not at the next refresh.
        await this.ctx.client.indices.refresh({ index: this.ctx.names.events });
        // When an append moved the head since, it carried the mark over: the next change or scavenge settles again.
        await this.replaceHead(aggregateId, written, settled);
      }
      return metadataOf(settled);
    }
    throw new EventStoreUnavailableError(`could not change the lifecycle of ${aggregateId} (too much contention)`);
  }

  /**
   * Removes from disk what reads no longer show: for every stream whose lifecycle hides versions (retention, soft
   * deletion, maxAge), their search documents and event ids, and their payloads in the log (a commit wholly hidden
   * becomes a tombstone over the same positions; a partly hidden one keeps the rest). Records how far it purged.
   */
  async scavenge(onProgress?: (p: ScavengeProgress) => void): Promise<ScavengeReport> {
    const started = Date.now();
    const report = emptyScavengeReport();
    const scavenged = new Set<string>();
    await this.ctx.client.indices.refresh({ index: [this.ctx.names.streams, this.ctx.names.log] });
    let after: estypes.SortResults | undefined;
    for (;;) {
      const page = await this.ctx.client.search<HeadDoc>({
        index: this.ctx.names.streams,
        size: 500,
        sort: [{ aggregateId: 'asc' }],
        ...(after ? { search_after: after } : {}),
      });
      const hits = page.hits.hits;
      if (hits.length === 0) break;
      after = hits[hits.length - 1].sort;
      for (const hit of hits) {
        report.streamsScanned++;
        const doc = hit._source;
        if (!doc?.lifecycle) continue;
        const freed = await this.scavengeStream(doc.aggregateId).catch((e: unknown) => {
          this.ctx.logger?.warn(`scavenging ${doc.aggregateId} failed, left for the next run: ${(e as Error).message}`);
          return null;
        });
        if (freed && freed.events > 0) {
          scavenged.add(doc.aggregateId);
          report.streamsScavenged++;
          report.eventsRemoved += freed.events;
          report.logDocumentsRewritten += freed.logDocs;
          report.bytesFreed += freed.bytes;
        }
      }
      onProgress?.(progressOf(report));
    }
    await this.scavengeTelemetry(report, scavenged, onProgress);
    // Search (and the event-by-id fallback through it) reflects what was purged or settled at once.
    await this.ctx.client.indices.refresh({ index: this.ctx.names.events });
    report.tookMs = Date.now() - started;
    return report;
  }

  /**
   * Removes the events the store's telemetry retention puts out of reach, wherever they sit in their streams: found
   * through the events index (type and timestamp are indexed), removed from their commits with a compare-and-set on
   * each commit document (the commit keeps its positions and records the versions it lost as `expired`, so a read
   * that misses them knows them hidden, not lost), then their search documents and event ids go.
   */
  private async scavengeTelemetry(
    report: ScavengeReport,
    scavenged: Set<string>,
    onProgress?: (p: ScavengeProgress) => void,
  ): Promise<void> {
    const now = nowOf(this.ctx);
    const hidden = telemetryHidden(this.ctx.telemetry, now);
    if (hidden.length === 0) return;
    await this.ctx.client.indices.refresh({ index: this.ctx.names.events });
    let after: estypes.SortResults | undefined;
    for (;;) {
      const page = await this.ctx.client.search<Record<string, unknown>>({
        index: this.ctx.names.events,
        size: 1000,
        query: { bool: { should: hidden, minimum_should_match: 1 } },
        sort: [{ position: 'asc' }],
        _source: ['aggregateId', 'version', 'eventId'],
        ...(after ? { search_after: after } : {}),
      });
      const hits = page.hits.hits;
      if (hits.length === 0) break;
      after = hits[hits.length - 1].sort;
      const byStream = new Map<string, ExpiredDoc[]>();
      for (const h of hits) {
        const src = h._source ?? {};
        const aggregateId = String(src.aggregateId);
        const list = byStream.get(aggregateId) ?? [];
        list.push({ version: Number(src.version), eventId: String(src.eventId) });
        byStream.set(aggregateId, list);
      }
      for (const [aggregateId, docs] of byStream) {
        const freed = await this.expireTelemetryOf(aggregateId, docs, now).catch((e: unknown) => {
          this.ctx.logger?.warn(`scavenging telemetry of ${aggregateId} failed, left for the next run: ${(e as Error).message}`);
          return null;
        });
        if (!freed || freed.events === 0) continue;
        if (!scavenged.has(aggregateId)) report.streamsScavenged++;
        scavenged.add(aggregateId);
        report.eventsRemoved += freed.events;
        report.telemetryEventsRemoved += freed.events;
        report.logDocumentsRewritten += freed.logDocs;
        report.bytesFreed += freed.bytes;
      }
      onProgress?.(progressOf(report));
      if (hits.length < 1000) break;
    }
  }

  private async expireTelemetryOf(
    aggregateId: string,
    found: ExpiredDoc[],
    now: number,
  ): Promise<{ events: number; logDocs: number; bytes: number }> {
    const head = (await this.reader.getHeads([aggregateId])).get(aggregateId)?.doc;
    // An append in flight settles first (its last commit may be the one holding them): the next run takes it.
    if (!head || head.pending) return { events: 0, logDocs: 0, bytes: 0 };
    const routing = documentRouting(this.ctx.eventsLayout, head.organizationId);
    const wanted = new Set(found.map((d) => d.version));
    const rewrites: estypes.BulkOperationContainer[] = [];
    const bodies: unknown[] = [];
    const removedBy: StoredEvent[][] = [];
    const inCommits = new Set<number>();
    for (const { commit, seqNo, primaryTerm } of await this.commitsWithSeqNo(aggregateId)) {
      for (const e of commit.events) inCommits.add(e.version);
      if (!commit.events.some((e) => wanted.has(e.version))) continue;
      const gone = commit.events.filter((e) => telemetryExpired(this.ctx.telemetry, e, now));
      if (gone.length === 0) continue;
      const expired = [...new Set([...(commit.expired ?? []), ...gone.map((e) => e.version)])].sort((a, b) => a - b);
      rewrites.push({
        index: { _index: this.ctx.names.log, _id: String(commit.firstPosition), if_seq_no: seqNo, if_primary_term: primaryTerm },
      });
      bodies.push({ ...commit, events: commit.events.filter((e) => !gone.includes(e)), expired });
      removedBy.push(gone);
    }
    // Each commit rewritten only if nothing (a hard delete, another scavenger) changed it since it was read.
    const items = await bulkPairs(this.ctx.client, rewrites, bodies);
    const ops: estypes.BulkOperationContainer[] = [];
    let events = 0;
    let bytes = 0;
    let logDocs = 0;
    items.forEach((it, i) => {
      if (it?.status === 409) return;
      if (!it || it.status >= 300)
        throw new EventStoreUnavailableError(`a scavenge write failed: ${JSON.stringify(it?.error ?? it?.status)}`);
      logDocs++;
      for (const e of removedBy[i]) {
        events++;
        bytes += Buffer.byteLength(JSON.stringify(e));
        ops.push(
          { delete: { _index: this.ctx.names.eventIds, _id: e.eventId } },
          { delete: { _index: this.ctx.names.events, _id: eventDocumentId(aggregateId, e.version), ...routing } },
        );
      }
    });
    // Search documents left over from an earlier run (their commit no longer holds them; a restore derived them again).
    for (const d of found) {
      if (inCommits.has(d.version)) continue;
      ops.push(
        { delete: { _index: this.ctx.names.eventIds, _id: d.eventId } },
        { delete: { _index: this.ctx.names.events, _id: eventDocumentId(aggregateId, d.version), ...routing } },
      );
    }
    await this.bulkWithDeletes(
      ops,
      ops.map(() => undefined),
    );
    return { events, logDocs, bytes };
  }

  /** A stream's commits with what a compare-and-set over each needs. */
  private async commitsWithSeqNo(aggregateId: string): Promise<{ commit: ScavengedCommit; seqNo: number; primaryTerm: number }[]> {
    await this.ctx.client.indices.refresh({ index: this.ctx.names.log });
    const out: { commit: ScavengedCommit; seqNo: number; primaryTerm: number }[] = [];
    let after: estypes.SortResults | undefined;
    for (;;) {
      const r = await this.ctx.client.search<ScavengedCommit>({
        index: this.ctx.names.log,
        size: 1000,
        seq_no_primary_term: true,
        query: { bool: { filter: [{ term: { aggregateId } }, { term: { kind: 'commit' } }] } },
        sort: [{ firstPosition: 'asc' }],
        ...(after ? { search_after: after } : {}),
      });
      const hits = r.hits.hits;
      for (const h of hits) {
        if (h._source?.kind === 'commit')
          out.push({ commit: h._source, seqNo: h._seq_no as number, primaryTerm: h._primary_term as number });
      }
      if (hits.length < 1000) return out;
      after = hits[hits.length - 1].sort;
    }
  }

  private async scavengeStream(aggregateId: string): Promise<Freed> {
    const admin: ReadScope = { organizationId: '', isAdmin: true };
    const head = await this.settledHead(aggregateId, admin);
    const doc = head.doc;
    const { unsettled, ...lifecycle } = doc.lifecycle ?? {};
    const purged = lifecycle.purgedBefore ?? 1;
    let floor = lifecycle.hardDeleted ? doc.version + 1 : firstVisibleVersion(lifecycle, doc.version);
    if (lifecycle.maxAge && !lifecycle.hardDeleted) floor = await this.firstWithinMaxAge(doc, floor);
    if (floor <= purged && !unsettled) return NOTHING_FREED;
    // Record how far the disk will be purged before purging it: reads never go below it from then on (and a restore
    // cannot bring those versions back). A head that moved meanwhile is left for the next run.
    const settled: HeadDoc = { ...doc, lifecycle: { ...lifecycle, purgedBefore: Math.max(floor, purged) } };
    const range = spanning(unsettled, { from: purged, to: Math.max(floor, purged) }) as VersionRange;
    const marked: HeadDoc = { ...settled, lifecycle: { ...settled.lifecycle, unsettled: range } };
    const written = await this.replaceHead(aggregateId, head, marked);
    if (!written) return NOTHING_FREED;
    // A hard delete is purged whole when it was left unfinished (else its purge is done: nothing is left to free).
    const freed = lifecycle.hardDeleted && !unsettled ? NOTHING_FREED : await this.settle(marked, range);
    await this.replaceHead(aggregateId, written, settled);
    return freed;
  }

  /**
   * Brings a stream's other documents in line with its head's lifecycle for versions `[range.from, range.to)`, and
   * removes the log's payloads below `purgedBefore`. Idempotent, and ordered so that a failure half-way leaves what
   * it has not done findable again: the search documents and event ids of the events a commit loses go before the
   * commit is rewritten (a commit still holding them is found again), a hard delete's commits become tombstones
   * first. Search documents of hidden versions leave by id; visible ones are derived again from the log.
   */
  private async settle(doc: HeadDoc, range: VersionRange): Promise<Freed> {
    const lifecycle = doc.lifecycle ?? {};
    if (lifecycle.hardDeleted) return this.purge(doc);
    const freed = lifecycle.purgedBefore ? await this.purgeLog(doc, lifecycle.purgedBefore) : NOTHING_FREED;
    const floor = firstVisibleVersion(lifecycle, doc.version);
    const routing = documentRouting(this.ctx.eventsLayout, doc.organizationId);
    const hidden: estypes.BulkOperationContainer[] = [];
    for (let v = range.from; v < Math.min(range.to, floor, doc.version + 1); v++)
      hidden.push({ delete: { _index: this.ctx.names.events, _id: eventDocumentId(doc.aggregateId, v), ...routing } });
    await this.bulkWithDeletes(
      hidden,
      hidden.map(() => undefined),
    );
    const from = Math.max(range.from, floor);
    const to = Math.min(range.to, doc.version + 1);
    if (from < to) {
      const revealed: StoredEvent[] = [];
      for (const commit of await this.log.commitsOf(doc.aggregateId)) {
        for (const e of commit.events) if (e.version >= from && e.version < to) revealed.push(e);
      }
      const [ok] = await writeDerived(this.ctx, [revealed]);
      if (!ok) throw new EventStoreUnavailableError(`could not restore the search documents of ${doc.aggregateId}`);
    }
    return freed;
  }

  /** Removes the log's payloads below `floor`: the search documents and event ids of what a commit loses, then the commit. */
  private async purgeLog(doc: HeadDoc, floor: number): Promise<Freed> {
    const routing = documentRouting(this.ctx.eventsLayout, doc.organizationId);
    const deletes: estypes.BulkOperationContainer[] = [];
    const rewrites: estypes.BulkOperationContainer[] = [];
    const bodies: unknown[] = [];
    const freed = { events: 0, logDocs: 0, bytes: 0 };
    for (const commit of await this.log.commitsOf(doc.aggregateId)) {
      const gone = commit.events.filter((e) => e.version < floor);
      if (gone.length === 0) continue;
      freed.logDocs++;
      const kept = commit.events.filter((e) => e.version >= floor);
      rewrites.push({ index: { _index: this.ctx.names.log, _id: String(commit.firstPosition) } });
      // A commit keeps its document while any of its versions is still visible (expired telemetry among them is
      // recorded there); only one wholly below the floor becomes a tombstone.
      bodies.push(kept.length === 0 && commit.toVersion < floor ? tombstoneOver(commit, 'scavenged') : { ...commit, events: kept });
      for (const e of gone) {
        freed.events++;
        freed.bytes += Buffer.byteLength(JSON.stringify(e));
        deletes.push(
          { delete: { _index: this.ctx.names.eventIds, _id: e.eventId } },
          { delete: { _index: this.ctx.names.events, _id: eventDocumentId(doc.aggregateId, e.version), ...routing } },
        );
      }
    }
    await this.bulkWithDeletes(
      deletes,
      deletes.map(() => undefined),
    );
    await this.bulkWithDeletes(rewrites, bodies);
    return freed;
  }

  /** The first version at or after `from` that maxAge still shows (versions are in time order within a stream). */
  private async firstWithinMaxAge(doc: HeadDoc, from: number): Promise<number> {
    const now = Date.now();
    for (let v = from; v <= doc.version; v += 500) {
      const versions = Array.from({ length: Math.min(500, doc.version - v + 1) }, (_, i) => v + i);
      const r = await this.ctx.client.mget<Record<string, unknown>>({
        index: this.ctx.names.events,
        ...documentRouting(this.ctx.eventsLayout, doc.organizationId),
        ids: versions.map((x) => eventDocumentId(doc.aggregateId, x)),
        _source_includes: ['timestamp', 'version'],
      });
      failOnItemErrors(r.docs);
      for (let i = 0; i < r.docs.length; i++) {
        const d = r.docs[i];
        const ts = 'found' in d && d.found ? (d._source?.timestamp as string | undefined) : undefined;
        if (ts && withinMaxAge(doc.lifecycle, ts, now)) return versions[i];
      }
    }
    return doc.version + 1;
  }

  /** Hard delete: every payload of the stream leaves the log (tombstones over the same positions), search, ids, snapshots. */
  private async purge(doc: HeadDoc): Promise<Freed> {
    const commits = await this.log.commitsOf(doc.aggregateId);
    const routing = documentRouting(this.ctx.eventsLayout, doc.organizationId);
    const ops: estypes.BulkOperationContainer[] = [];
    const docs: unknown[] = [];
    const freed = { events: 0, logDocs: commits.length, bytes: 0 };
    for (const commit of commits) {
      ops.push({ index: { _index: this.ctx.names.log, _id: String(commit.firstPosition) } });
      docs.push(tombstoneOver(commit, 'stream deleted'));
      for (const e of commit.events) {
        freed.events++;
        freed.bytes += Buffer.byteLength(JSON.stringify(e));
        ops.push({ delete: { _index: this.ctx.names.eventIds, _id: e.eventId } });
        docs.push(undefined);
      }
    }
    for (let v = 1; v <= doc.version; v++) {
      ops.push({ delete: { _index: this.ctx.names.events, _id: eventDocumentId(doc.aggregateId, v), ...routing } });
      docs.push(undefined);
    }
    ops.push({ delete: { _index: this.ctx.names.snapshots, _id: doc.aggregateId } });
    docs.push(undefined);
    await this.bulkWithDeletes(ops, docs);
    return freed;
  }

  /** Writes the head back over the one read (compare-and-set): what the next compare-and-set needs, null when it moved since. */
  private async replaceHead(aggregateId: string, head: HeadVersion, document: HeadDoc): Promise<HeadVersion | null> {
    try {
      const r = await this.ctx.client.index({
        index: this.ctx.names.streams,
        id: aggregateId,
        if_seq_no: head.seqNo,
        if_primary_term: head.primaryTerm,
        document,
      });
      return { seqNo: r._seq_no, primaryTerm: r._primary_term };
    } catch (e) {
      if (statusOf(e) === 409) return null;
      throw e;
    }
  }

  /** A head with no lease in flight (leases are settled first), or StreamNotFound for a stream the scope cannot see. */
  private async settledHead(aggregateId: string, scope: ReadScope): Promise<{ doc: HeadDoc; seqNo?: number; primaryTerm?: number }> {
    const deadline = Date.now() + this.ctx.leaseMs * 3;
    for (;;) {
      const head = (await this.reader.getHeads([aggregateId])).get(aggregateId);
      const doc = head?.doc;
      if (head && doc?.pending) {
        // An append in flight (or abandoned): settle it first, so the lifecycle applies to what is committed.
        await this.recovery.resolve(aggregateId, head);
        if (Date.now() > deadline) throw new EventStoreUnavailableError(`a write to ${aggregateId} did not settle`);
        await sleep(20);
        continue;
      }
      if (!head || !doc || doc.version === 0 || !canRead(scope, doc.organizationId)) throw new StreamNotFoundError(aggregateId);
      return { doc, seqNo: head.seqNo, primaryTerm: head.primaryTerm };
    }
  }

  /** A bulk of writes and deletes; a delete of something already gone is fine, anything else failing is not. */
  private async bulkWithDeletes(ops: estypes.BulkOperationContainer[], docs: unknown[]): Promise<void> {
    for (let i = 0; i < ops.length; i += 2000) {
      const operations: unknown[] = [];
      ops.slice(i, i + 2000).forEach((op, k) => {
        operations.push(op);
        if (!('delete' in op)) operations.push(docs[i + k]);
      });
      const r = await this.ctx.client.bulk({ operations });
      const failed = r.items.map((it) => Object.values(it)[0]).find((it) => it && it.status >= 300 && it.status !== 404);
      if (failed) throw new EventStoreUnavailableError(`a lifecycle write failed: ${JSON.stringify(failed.error ?? failed.status)}`);
    }
  }
}

interface ExpiredDoc {
  version: number;
  eventId: string;
}

interface HeadVersion {
  seqNo?: number;
  primaryTerm?: number;
}

/** Versions `[from, to)`. */
type VersionRange = { from: number; to: number };

interface Freed {
  events: number;
  logDocs: number;
  bytes: number;
}

const NOTHING_FREED: Freed = Object.freeze({ events: 0, logDocs: 0, bytes: 0 });

/** The smallest range covering both (an empty one counts as none); undefined when both are. */
function spanning(a: VersionRange | undefined, b: VersionRange): VersionRange | undefined {
  const ranges = [a, b].filter((r): r is VersionRange => !!r && r.from < r.to);
  if (ranges.length === 0) return undefined;
  return { from: Math.min(...ranges.map((r) => r.from)), to: Math.max(...ranges.map((r) => r.to)) };
}

function progressOf(report: ScavengeReport): ScavengeProgress {
  return {
    streamsScanned: report.streamsScanned,
    streamsScavenged: report.streamsScavenged,
    eventsRemoved: report.eventsRemoved,
    telemetryEventsRemoved: report.telemetryEventsRemoved,
  };
}

function tombstoneOver(commit: CommitDoc, reason: string): TombstoneDoc {
  const { firstPosition, lastPosition, aggregateId, subjects } = commit;
  return { kind: 'tombstone', firstPosition, lastPosition, reason, ...(subjects?.length ? { aggregateId, subjects } : {}) };
}

function metadataOf(doc: HeadDoc): StreamMetadata {
  return streamMetadata(doc.aggregateId, doc.aggregateType, doc.organizationId, doc.version, doc.lifecycle);
}
