import { randomUUID } from 'node:crypto';
import type { estypes } from '@elastic/elasticsearch';
import { decideAppend } from '../append-decision';
import { AppendOutcomeUnknownError, DuplicateEventError } from '../event-store.errors';
import { buildEnvelopes } from '../event-validation';
import { bulkPairs, withRequestDeadline, type EsContext } from './es-context';
import type { CommitSteps } from './es-commit-steps';
import {
  streamOf,
  type BatchHooks,
  type LockedWork,
  type LockingWork,
  type ProtocolFaults,
  type QueuedAppend,
  type ReservedIds,
  type Work,
} from './es-commit-types';
import { writeDerived } from './es-derived';
import { headDocument, type CommitDoc, type EventIdDoc, type Head, type Pending } from './es-documents';
import { bulkItemTransient, translate } from './es-errors';
import type { LeaseRecovery } from './es-lease-recovery';
import type { GlobalLog } from './es-log';
import type { PositionAllocator } from './es-positions';
import type { StreamReader } from './es-stream-reader';
import { timed } from '../store-observer';

/** How long clean-up requests may run past the deadline of the appends they followed. */
const CLEANUP_GRACE_MS = 2000;

const deadlineOf = (works: { a: QueuedAppend }[]) => Math.max(0, ...works.map((w) => w.a.deadline));

/** The head a finalisation leaves, or null once `deadline` (epoch ms) passes first. */
function untilDeadline(head: Promise<Head | null>, deadline: number): Promise<Head | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([head, late]).finally(() => clearTimeout(timer));
}

/**
 * The commit protocol for one batch of appends to distinct streams (README "Appending"): round 1 reads heads and
 * event ids and allocates positions; round 2 takes leases and reserves ids; round 3 commits (one log document per
 * append); round 4 derives the searchable documents, then acknowledges; round 5 finalises the heads.
 */
export class CommitProtocol {
  constructor(
    private readonly ctx: EsContext,
    private readonly log: GlobalLog,
    private readonly positions: PositionAllocator,
    private readonly reader: StreamReader,
    private readonly recovery: LeaseRecovery,
    private readonly steps: CommitSteps,
    private readonly hooks: BatchHooks,
    private readonly faults: ProtocolFaults = {},
  ) {}

  /**
   * One round of the commit protocol for appends to distinct streams. Every request it makes is bounded by the latest
   * deadline of the batch's appends, so a hung Elasticsearch makes them answer by then (unavailable before the
   * commit, outcome unknown after it), not after the client's own timeouts and retries.
   */
  async runBatch(batch: QueuedAppend[], releaseSlot: () => void = () => undefined): Promise<void> {
    const deadline = Math.max(...batch.map((a) => a.deadline));
    return withRequestDeadline(deadline, () => this.runBounded(batch, deadline, releaseSlot));
  }

  /**
   * Clean-up that follows an append's answer (fencing positions nobody will commit, giving leases back, finalising
   * heads) gets a short grace past the deadline: best effort, since readers fence and writers recover what it misses.
   */
  private cleanup<T>(deadline: number, fn: () => Promise<T>): Promise<T> {
    return withRequestDeadline(Math.max(deadline, Date.now()) + CLEANUP_GRACE_MS, fn);
  }

  private async runBounded(batch: QueuedAppend[], deadline: number, releaseSlot: () => void): Promise<void> {
    const total = batch.reduce((n, a) => n + a.events.length, 0);
    const clientIds = batch.flatMap((a) => a.events.map((e) => e.eventId?.toLowerCase()).filter((x): x is string => !!x));
    // Round trip 1: heads, where the client's event ids are, and positions, in parallel.
    const allocation = timed(this.ctx.observer, 'allocate-positions', this.positions.allocate(total));
    const works: Work[] = [];
    try {
      const [heads, found, firstPosition] = await Promise.all([
        timed(
          this.ctx.observer,
          'read-heads',
          this.headsOf(
            batch.map((a) => a.aggregateId),
            deadlineOf(batch.map((a) => ({ a }))),
          ),
        ),
        clientIds.length > 0
          ? timed(this.ctx.observer, 'read-event-ids', this.reader.locateEventIds(clientIds))
          : this.reader.locateEventIds(clientIds),
        allocation,
      ]);
      let p = firstPosition;
      for (const a of batch) {
        works.push({ a, first: p, last: p + a.events.length - 1, head: heads.get(a.aggregateId) });
        p += a.events.length;
      }
      const ids = await this.steps.settleReservations(found);
      await this.lockRound(works, ids, releaseSlot);
    } catch (e) {
      // Nothing was committed by this round (its commit round never started): fence every position it allocated so
      // no reader waits a gap timeout on them. Best effort; readers fence what this misses.
      const first = await allocation.catch(() => null);
      const ranges: [number, number][] =
        works.length > 0 ? works.map((w) => [w.first, w.last]) : first !== null ? [[first, first + total - 1]] : [];
      await this.cleanup(deadline, () => this.log.tombstone(ranges, 'failed round')).catch(() => undefined);
      throw e;
    }
  }

  /**
   * The streams' heads: read (`mget`, realtime), or, for a stream whose previous append in this process is being
   * finalised, the head that finalisation writes (its seq_no as Elasticsearch answered it, so the lease's
   * compare-and-set fails if anyone wrote the head since, as after a read); read after all if it did not land.
   */
  private async headsOf(ids: string[], deadline: number): Promise<Map<string, Head>> {
    const handed = ids.flatMap((id) => {
      const head = this.hooks.finalizedHead(id);
      // That write is bounded by the previous round's deadline: not waited on past this round's (then read, bounded).
      return head ? [[id, untilDeadline(head, deadline)] as const] : [];
    });
    if (handed.length === 0) return this.reader.getHeads(ids);
    const toRead = ids.filter((id) => !handed.some(([h]) => h === id));
    const [read, written] = await Promise.all([
      toRead.length > 0 ? this.reader.getHeads(toRead) : new Map<string, Head>(),
      Promise.all(handed.map(async ([id, head]) => [id, await head] as const)),
    ]);
    const unwritten = written.filter(([, head]) => !head).map(([id]) => id);
    const again = unwritten.length > 0 ? await this.reader.getHeads(unwritten) : new Map<string, Head>();
    const out = new Map<string, Head>();
    for (const id of ids) {
      const head = read.get(id) ?? written.find(([h]) => h === id)?.[1] ?? again.get(id);
      if (head) out.set(id, head);
    }
    return out;
  }

  /**
   * Client event ids already known to the store. An id reserved by an append whose outcome is not settled yet is
   * looked up in the log: committed → it counts as stored; fenced or aborted → the reservation is stale and may be
   * taken over (compare-and-set on it); still in flight → appends carrying it wait and retry.
   */
  private async lockRound(works: Work[], ids: ReservedIds, releaseSlot: () => void): Promise<void> {
    const now = Date.now();
    const timestamp = (this.ctx.clock ? this.ctx.clock() : new Date(now)).toISOString();
    const toResolve: Work[] = [];
    const idempotent: { w: Work; from: number; to: number }[] = [];
    const locking: LockingWork[] = [];
    const unused: Work[] = [];
    for (const w of works) {
      const { a } = w;
      const doc = w.head?.doc ?? null;
      if (doc)
        this.hooks.noteVersion(a.aggregateId, {
          version: doc.version,
          organizationId: doc.organizationId,
          aggregateType: doc.aggregateType,
          lifecycle: !!doc.lifecycle,
        });
      if (doc?.pending) {
        toResolve.push(w);
        unused.push(w);
        continue;
      }
      const mine = a.events.map((e) => e.eventId?.toLowerCase()).filter((x): x is string => !!x);
      if (mine.some((id) => ids.inFlight.has(id))) {
        // Another append holds one of these ids and has not settled: decide once it has.
        this.hooks.retryLater(a, 20, 'event-id-in-flight');
        unused.push(w);
        continue;
      }
      if (doc && w.first <= (doc.lastPosition ?? 0)) {
        // Positions taken before another writer committed to this stream at later ones: committing here would put
        // this stream's versions out of log order. Start again with fresh positions.
        this.hooks.retryLater(a, 0, 'positions-behind-stream');
        unused.push(w);
        continue;
      }
      try {
        const decision = decideAppend(
          { aggregateId: a.aggregateId, aggregateType: a.aggregateType, events: a.events, expectedVersion: a.expectedVersion, ctx: a.ctx },
          doc,
          ids.committed,
        );
        if (decision.kind === 'already-stored') {
          idempotent.push({ w, from: decision.fromVersion, to: decision.toVersion });
          unused.push(w);
          continue;
        }
        const envelopes = buildEnvelopes(
          a.aggregateId,
          a.aggregateType,
          decision.organizationId,
          a.events,
          a.ctx,
          decision.fromVersion,
          w.first,
          timestamp,
        );
        const pending: Pending = {
          txId: randomUUID(),
          firstPosition: w.first,
          lastPosition: w.last,
          fromVersion: decision.fromVersion,
          toVersion: decision.toVersion,
          expiresAt: now + this.ctx.leaseMs,
        };
        locking.push({ ...w, organizationId: decision.organizationId, envelopes, pending, reserve: mine });
      } catch (e) {
        a.reject(e);
        unused.push(w);
      }
    }

    // Round trip 2: take the lease on each stream (CAS on its head) and reserve the client's event ids (create, or
    // CAS over a stale reservation), and fence off the positions nobody will use.
    const ops: estypes.BulkOperationContainer[] = [];
    const docs: unknown[] = [];
    const slots: { w: LockingWork; head: boolean }[] = [];
    for (const w of locking) {
      ops.push(
        w.head?.doc
          ? {
              index: { _index: this.ctx.names.streams, _id: w.a.aggregateId, if_seq_no: w.head.seqNo, if_primary_term: w.head.primaryTerm },
            }
          : { create: { _index: this.ctx.names.streams, _id: w.a.aggregateId } },
      );
      docs.push(
        headDocument(
          streamOf(w),
          { version: w.head?.doc?.version ?? 0, lastPosition: w.head?.doc?.lastPosition ?? 0 },
          timestamp,
          w.pending,
          now,
        ),
      );
      slots.push({ w, head: true });
      w.envelopes.forEach((e, k) => {
        if (!w.reserve.includes(e.eventId)) return;
        const stale = ids.stale.get(e.eventId);
        ops.push(
          stale
            ? { index: { _index: this.ctx.names.eventIds, _id: e.eventId, if_seq_no: stale.seqNo, if_primary_term: stale.primaryTerm } }
            : { create: { _index: this.ctx.names.eventIds, _id: e.eventId } },
        );
        const reservation: EventIdDoc = {
          aggregateId: w.a.aggregateId,
          version: w.pending.fromVersion + k,
          txId: w.pending.txId,
          firstPosition: w.first,
          lastPosition: w.last,
          expiresAt: w.pending.expiresAt,
        };
        docs.push(reservation);
        slots.push({ w, head: false });
      });
    }
    const [results] = await Promise.all([
      timed(this.ctx.observer, 'lock', bulkPairs(this.ctx.client, ops, docs)),
      this.log.tombstone(
        unused.map((w) => [w.first, w.last]),
        'unused allocation',
      ),
      this.recovery.resolveAll(toResolve.map((w) => ({ aggregateId: w.a.aggregateId, head: w.head as Head }))),
    ]);
    for (const w of toResolve) this.hooks.retryLater(w.a, 5, 'pending-lease');
    const headOk = new Map<LockingWork, estypes.BulkResponseItem>();
    const refused = new Map<LockingWork, estypes.BulkResponseItem | undefined>();
    slots.forEach(({ w, head }, i) => {
      const item = results[i];
      const ok = !!item && item.status >= 200 && item.status < 300;
      if (ok && head) headOk.set(w, item);
      if (!ok && !refused.has(w)) refused.set(w, item);
    });
    const locked: LockedWork[] = [];
    const lost: LockingWork[] = [];
    const unreserved: LockedWork[] = [];
    for (const w of locking) {
      const lease = headOk.get(w);
      const lw = lease ? { ...w, lockSeqNo: lease._seq_no as number, lockPrimaryTerm: lease._primary_term as number } : null;
      if (lw && !refused.has(w)) {
        locked.push(lw);
        continue;
      }
      if (lw)
        unreserved.push(lw); // leased, but an id is reserved by someone else: give the lease back
      else lost.push(w);
      const item = refused.get(w);
      if (item?.status === 409 || bulkItemTransient(item)) {
        // Another writer moved the head or took an id between our read and our write: read again and decide again.
        if (item?.status === 409) this.ctx.observer.conflict?.('lock');
        this.hooks.retryLater(w.a, item?.status === 409 ? 1 : 50, item?.status === 409 ? 'lock-conflict' : 'transient');
      } else {
        w.a.reject(translate(new Error(`could not lock stream: ${JSON.stringify(item?.error)}`), 'append'));
      }
    }

    if (this.faults?.afterLock && locked.length > 0) await this.faults.afterLock(locked.map((w) => w.a.aggregateId));
    await this.commitRound(locked, lost, unreserved, idempotent, releaseSlot);
  }

  /** Round trips 3 to 5 for the appends that hold their lease and ids: commit, derive and acknowledge, finalise. */
  private async commitRound(
    locked: LockedWork[],
    lost: LockingWork[],
    unreserved: LockedWork[],
    idempotent: { w: Work; from: number; to: number }[],
    releaseSlot: () => void,
  ): Promise<void> {
    // Round trip 3: the commit point. One document per append holds all its events: atomic by construction.
    const commitOps: estypes.BulkOperationContainer[] = [];
    const commitDocs: unknown[] = [];
    for (const w of locked) {
      commitOps.push({ create: { _index: this.ctx.names.log, _id: String(w.first) } });
      const commit: CommitDoc = {
        kind: 'commit',
        txId: w.pending.txId,
        aggregateId: w.a.aggregateId,
        aggregateType: w.a.aggregateType,
        organizationId: w.organizationId,
        firstPosition: w.first,
        lastPosition: w.last,
        fromVersion: w.pending.fromVersion,
        toVersion: w.pending.toVersion,
        events: w.envelopes,
      };
      commitDocs.push(commit);
    }
    const [commitResults] = await Promise.all([
      timed(this.ctx.observer, 'commit', bulkPairs(this.ctx.client, commitOps, commitDocs)).catch((e: unknown) => {
        this.ctx.logger?.warn(`commit bulk failed, settling each commit: ${(e as Error).message}`);
        return locked.map(() => undefined);
      }),
      this.log.tombstone(
        lost.map((w) => [w.first, w.last]),
        'lost stream lock',
      ),
      this.steps.abortLocks(unreserved, true),
    ]);
    for (const w of unreserved) this.hooks.retryLater(w.a, 1, 'event-id-taken');
    const committed: LockedWork[] = [];
    const aborted: LockedWork[] = [];
    await Promise.all(
      locked.map(async (w, i) => {
        const item = commitResults[i];
        if (item && item.status >= 200 && item.status < 300) {
          committed.push(w);
          return;
        }
        // No answer, an error, or 409 (a reader fenced our position, or a retry of ours landed first): settle it.
        const outcome = await timed(this.ctx.observer, 'settle-commit', this.steps.settleCommit(w));
        if (outcome === 'committed') committed.push(w);
        else if (outcome === 'not-committed') aborted.push(w);
        else w.a.reject(new AppendOutcomeUnknownError(w.a.aggregateId));
      }),
    );

    if (this.faults?.afterCommit && committed.length > 0) await this.faults.afterCommit(committed.map((w) => w.a.aggregateId));

    // Round trip 4: the searchable event documents and the event-id index, derived from the commit.
    const [derivedOk] = await Promise.all([
      timed(
        this.ctx.observer,
        'derive',
        writeDerived(
          this.ctx,
          committed.map((w) => w.envelopes),
          committed.map((w) => w.a.events.map((e) => e.eventId !== undefined)),
        ),
      ),
      this.cleanup(deadlineOf(aborted), () => this.steps.abortLocks(aborted, false)),
    ]);
    for (const w of aborted) this.hooks.retryLater(w.a, 1, 'commit-fenced');

    // Acknowledge now: the commits are durable and readable (a reader that meets the lease reads the commit document).
    // The stream stays busy in this process until its head is finalised, so its next append sees a clean head.
    for (const w of committed) {
      this.hooks.noteVersion(w.a.aggregateId, {
        version: w.pending.toVersion,
        organizationId: w.organizationId,
        aggregateType: w.a.aggregateType,
        lifecycle: !!w.head?.doc?.lifecycle,
      });
      w.a.resolve({
        aggregateId: w.a.aggregateId,
        fromVersion: w.pending.fromVersion,
        version: w.pending.toVersion,
        position: w.last,
        events: w.envelopes,
      });
    }

    releaseSlot();

    // Round trip 5: finalise heads (release the lease). Failures here are repaired by the next writer or reader.
    const finalize = committed.filter((_, i) => derivedOk[i]);
    const finalized = timed(
      this.ctx.observer,
      'finalize',
      this.cleanup(deadlineOf(finalize), () => this.steps.finalizeHeads(finalize)),
    ).catch((e: unknown) => {
      this.ctx.logger?.warn(`finalising heads failed: ${(e as Error).message}`);
      return finalize.map(() => null);
    });
    // A stream's next append in this process (a hot aggregate's) starts now, beside this write, and takes the head it
    // leaves instead of reading it after it: one round trip fewer between two appends to one stream.
    finalize.forEach((w, i) =>
      this.hooks.handOver(
        w.a.aggregateId,
        finalized.then((heads) => heads[i] ?? null),
      ),
    );
    await finalized;

    await Promise.all(
      idempotent.map(async ({ w, from, to }) => {
        try {
          const slice = await this.reader.read(w.a.aggregateId, { fromVersion: from, maxCount: to - from + 1 });
          const events = slice.events;
          if (events.length !== to - from + 1 || events[0].version !== from) {
            // Stored once, then hidden (soft delete, retention): the retry cannot be answered with them; say what is true.
            throw new DuplicateEventError(w.a.events[0].eventId?.toLowerCase() ?? '', w.a.aggregateId, from);
          }
          w.a.resolve({
            aggregateId: w.a.aggregateId,
            fromVersion: from,
            version: to,
            position: events[events.length - 1].position,
            events,
          });
        } catch (e) {
          w.a.reject(translate(e, 'append'));
        }
      }),
    );
  }

  /**
   * Settles a commit whose answer was lost or refused, while this writer still holds the stream's lease: it fences its
   * own position with a `create`. Created → the commit never landed and never will (its create now fails);
   * 409 → whatever holds the position decides (our commit, or someone's tombstone). Retried until the append's
   * deadline; only then is the outcome unknown.
   */
}
