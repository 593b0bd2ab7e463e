import type { estypes } from '@elastic/elasticsearch';
import type { AllSlice, ReadAllOptions, StoredEvent } from '../event-store.port';
import { EVENT_LIMITS } from '../event-validation';
import { telemetryExpired } from '../telemetry-retention';
import { bulkPairs, nowOf, type EsContext } from './es-context';
import type { CommitDoc, LogDoc, TombstoneDoc } from './es-documents';
import { failOnItemErrors, statusOf } from './es-errors';
import { timed } from '../store-observer';

/**
 * The global log: commits and tombstones stored under their first position, the position counter's value as its
 * head, and the gap-safe reader. A position that is allocated but has no document is a writer in flight; a reader
 * stops there and, once it has stayed missing for the gap timeout, fences it with a tombstone (`op_type=create`:
 * exactly one of the writer's commit and the tombstone lands).
 */
export class GlobalLog {
  private readonly gapFirstSeen = new Map<number, number>();
  /** Checkpoints this process's readers were handed (bounded): each ends a log document. */
  private readonly boundaries = new Set<number>();

  constructor(private readonly ctx: EsContext) {}

  /**
   * A stream's commit documents, oldest first: the source of truth its per-event documents are derived from. A search
   * (the log's `aggregateId` is indexed), made exact by a refresh of the log first: for lifecycle work and for reads
   * that find a derived document missing, not for the hot path.
   */
  async commitsOf(aggregateId: string): Promise<CommitDoc[]> {
    await this.ctx.client.indices.refresh({ index: this.ctx.names.log });
    const out: CommitDoc[] = [];
    let after: estypes.SortResults | undefined;
    for (;;) {
      const r = await this.ctx.client.search<LogDoc>({
        index: this.ctx.names.log,
        size: 1000,
        query: { bool: { filter: [{ term: { aggregateId } }, { term: { kind: 'commit' } }] } },
        sort: [{ firstPosition: 'asc' }],
        ...(after ? { search_after: after } : {}),
      });
      const hits = r.hits.hits;
      for (const h of hits) if (h._source?.kind === 'commit') out.push(h._source);
      if (hits.length < 1000) return out;
      after = hits[hits.length - 1].sort;
    }
  }

  /** Highest position allocated so far. */
  async headPosition(): Promise<number> {
    const r = await this.ctx.client.get<{ value: number }>({ index: this.ctx.names.meta, id: 'position' });
    return r._source?.value ?? 0;
  }

  async tombstone(ranges: [number, number][], reason: string): Promise<void> {
    if (ranges.length === 0) return;
    const ops: estypes.BulkOperationContainer[] = [];
    const docs: unknown[] = [];
    for (const [first, last] of ranges) {
      ops.push({ create: { _index: this.ctx.names.log, _id: String(first) } });
      const t: TombstoneDoc = { kind: 'tombstone', firstPosition: first, lastPosition: last, reason };
      docs.push(t);
    }
    // Best effort: a reader fences positions left unresolved after the gap timeout anyway.
    const items = await bulkPairs(this.ctx.client, ops, docs).catch(() => undefined);
    const landed = items?.filter((it) => !!it && it.status >= 200 && it.status < 300).length ?? 0;
    if (landed > 0) this.ctx.observer.tombstones?.(reason, landed);
  }

  /** Fences one range; true when our tombstone landed, false when a commit (or tombstone) was there first. */
  async createTombstone(first: number, last: number, reason: string): Promise<boolean> {
    try {
      const t: TombstoneDoc = { kind: 'tombstone', firstPosition: first, lastPosition: last, reason };
      await this.ctx.client.index({ index: this.ctx.names.log, id: String(first), op_type: 'create', document: t });
      // Reasons may name an aggregate (`expired lease on <id>`): metrics get the bounded part.
      this.ctx.observer.tombstones?.(reason.replace(/ on .*$/, ''), 1);
      return true;
    } catch (e) {
      if (statusOf(e) === 409) return false;
      throw e;
    }
  }

  async getLogDoc(position: number): Promise<LogDoc | null> {
    try {
      const r = await this.ctx.client.get<LogDoc>({ index: this.ctx.names.log, id: String(position) });
      return r._source ?? null;
    } catch (e) {
      if (statusOf(e) === 404) return null;
      throw e;
    }
  }

  /** The ordered log from a checkpoint (any position, even inside an append); fences gaps that outlive the timeout. */
  async readAll({ after, maxCount = 1000 }: ReadAllOptions): Promise<AllSlice> {
    const head = await this.headPosition();
    const events: StoredEvent[] = [];
    // Expired telemetry is passed over like a tombstone: the checkpoint still moves past its positions.
    const at = nowOf(this.ctx);
    const shows = (e: StoredEvent) => !telemetryExpired(this.ctx.telemetry, e, at);
    let next = after + 1;
    const window = 512;
    if (after > 0 && next <= head && !this.boundaries.has(after)) {
      // A checkpoint this process did not hand out may sit inside an append (a runner stopped or failed mid-commit), or
      // just after positions still in flight. An append's events are stored under its first position, so the walk
      // starts after the nearest commit at or below the checkpoint: a commit covering the checkpoint gives the rest of
      // its events; otherwise the positions between that commit and the checkpoint are resolved like any others (a
      // commit in flight may start there and cover positions past the checkpoint: fencing only those would not stop it).
      const commit = await this.nearestCommit(after);
      if (commit && commit.lastPosition > after)
        for (const e of commit.events) if (e.position > after && shows(e)) events.push(this.ctx.upcasters.apply(e));
      next = commit ? commit.lastPosition + 1 : Math.max(1, after + 2 - EVENT_LIMITS.maxEventsPerAppend);
    }
    while (next <= head && events.length < maxCount) {
      const ids: string[] = [];
      for (let p = next; p <= Math.min(head, next + window - 1); p++) ids.push(String(p));
      const r = await timed(this.ctx.observer, 'read-log', this.ctx.client.mget<LogDoc>({ index: this.ctx.names.log, ids }));
      failOnItemErrors(r.docs); // an unreadable position is not a gap to fence
      const docs = new Map<number, LogDoc>();
      for (const d of r.docs) if ('found' in d && d.found && d._source) docs.set(Number(d._id), d._source);
      const lastId = Number(ids[ids.length - 1]);
      // Positions of the window no document covers: writers in flight, or dead. Each is timed from when a reader
      // first saw it, so a dead writer's whole range is fenced after one timeout, not one timeout per position.
      const now = Date.now();
      const uncovered: number[] = [];
      for (let p = next; p <= lastId;) {
        const doc = docs.get(p);
        if (doc) {
          p = doc.lastPosition + 1;
          continue;
        }
        uncovered.push(p);
        if (!this.gapFirstSeen.has(p)) this.gapFirstSeen.set(p, now);
        p++;
      }
      let stuck = false;
      while (next <= lastId && events.length < maxCount) {
        const doc = docs.get(next);
        if (!doc) {
          stuck = true;
          break;
        }
        this.gapFirstSeen.delete(next);
        if (doc.kind === 'commit') for (const e of doc.events) if (e.position > after && shows(e)) events.push(this.ctx.upcasters.apply(e));
        next = doc.lastPosition + 1;
      }
      if (!stuck) continue;
      if (now - (this.gapFirstSeen.get(next) ?? now) < this.ctx.gapTimeoutMs) break;
      // Fence every timed-out gap at once. A commit that lands first wins its create, and a tombstone left inside a
      // commit's range is never read: the walk jumps from a commit's first position past its last.
      const expired = uncovered.filter((p) => now - (this.gapFirstSeen.get(p) ?? now) >= this.ctx.gapTimeoutMs);
      await this.tombstone(
        expired.map((p) => [p, p]),
        'gap timeout',
      );
      for (const p of expired) this.gapFirstSeen.delete(p);
    }
    // Positions below the checkpoint are resolved for every reader: forget their timers.
    for (const p of this.gapFirstSeen.keys()) if (p < next) this.gapFirstSeen.delete(p);
    // Stuck below the checkpoint (on positions that may start a commit covering it): no progress past it yet.
    if (next - 1 < after) return { events, checkpoint: after, head };
    this.noteBoundary(next - 1);
    return { events, checkpoint: next - 1, head };
  }

  /** Remembers a checkpoint this reader handed out: it ends a log document, so reading after it needs no look back. */
  private noteBoundary(position: number): void {
    this.boundaries.add(position);
    if (this.boundaries.size > 10_000) this.boundaries.delete(this.boundaries.values().next().value as number);
  }

  /**
   * The nearest commit at or below `position` that could cover it or lie just below it: documents are stored under
   * their first position and an append holds at most `maxEventsPerAppend` positions, so only that distance is looked
   * at. Commits never overlap, so the first one found going down is the nearest; tombstones are passed over (readers
   * that timed out on a commit in flight may have fenced positions inside its range, each on its own: such a stray
   * tombstone says nothing about the positions around it).
   */
  private async nearestCommit(position: number): Promise<CommitDoc | null> {
    const lowest = Math.max(1, position - EVENT_LIMITS.maxEventsPerAppend + 1);
    for (let top = position, chunk = 32; top >= lowest; top -= chunk, chunk = Math.min(chunk * 4, 512)) {
      const ids: string[] = [];
      for (let p = top; p > top - chunk && p >= lowest; p--) ids.push(String(p));
      const r = await this.ctx.client.mget<LogDoc>({ index: this.ctx.names.log, ids });
      failOnItemErrors(r.docs);
      for (const d of r.docs) if ('found' in d && d.found && d._source?.kind === 'commit') return d._source;
    }
    return null;
  }
}
