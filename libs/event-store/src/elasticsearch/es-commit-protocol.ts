import { randomUUID } from 'node:crypto';
import type { estypes } from '@elastic/elasticsearch';
import type { StoredEvent } from '../event-store.port';
import { decideAppend } from '../append-decision';
import { AppendOutcomeUnknownError, DuplicateEventError } from '../event-store.errors';
import { buildEnvelopes } from '../event-validation';
import { bulkPairs, cleanupWithin, withRequestDeadline, type EsContext } from './es-context';
import type { CommitSteps } from './es-commit-steps';
import { HeadHandover } from './es-head-handover';
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
import { headDocument, type CommitDoc, type EventIdDoc, type Head, type LocatedEventId, type Pending } from './es-documents';
import { bulkItemTransient, translate } from './es-errors';
import type { LeaseRecovery } from './es-lease-recovery';
import type { GlobalLog } from './es-log';
import type { PositionAllocator } from './es-positions';
import type { StreamReader } from './es-stream-reader';
import { timed } from '../store-observer';

const deadlineOf = (works: { a: QueuedAppend }[]) => Math.max(0, ...works.map((w) => w.a.deadline));

/** The position ranges of these appends, leaving out those given none (`Work.unpositioned`). */
const positionedRanges = (works: Work[]): [number, number][] => works.filter((w) => !w.unpositioned).map((w) => [w.first, w.last]);

/** One document the lease bulk writes for an append: its stream's head, or one of its client event ids. */
interface LeaseSlot {
  w: LockingWork;
  index: string;
  id: string;
}

/** Part of a batch, with the heads offered to its streams and the finalisations it owes (`HeadHandover.takeOffered`). */
interface Part {
  appends: QueuedAppend[];
  offered: Map<string, Head>;
  owed: Map<string, LockedWork>;
}

/** A round's appends, decided against their heads and the ids found. */
interface Decided {
  toResolve: Work[];
  idempotent: { w: Work; from: number; to: number }[];
  locking: LockingWork[];
  unused: Work[];
}

/**
 * The commit protocol for one batch of appends to distinct streams (README "Appending"): round 1 reads heads and
 * event ids and allocates positions; round 2 takes leases and reserves ids; round 3 commits (one log document per
 * append); round 4 derives the searchable documents, then acknowledges; round 5 finalises the heads (or the stream's
 * next append in this process does, with its lease: `HeadHandover`).
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
    /** Appends to new streams claim their positions in the lease bulk (`runClaimed`); false: always round 1. */
    private readonly claimPositions = true,
    private readonly heads = new HeadHandover(ctx, reader, steps, hooks, faults),
  ) {}

  /**
   * One round of the commit protocol for appends to distinct streams. Every request it makes is bounded by the latest
   * deadline of the batch's appends, so a hung Elasticsearch makes them answer by then (unavailable before the
   * commit, outcome unknown after it), not after the client's own timeouts and retries.
   */
  async runBatch(batch: QueuedAppend[], releaseSlot: () => void = () => undefined): Promise<void> {
    const deadline = Math.max(...batch.map((a) => a.deadline));
    return withRequestDeadline(deadline, () => this.runSplit(batch, deadline, releaseSlot));
  }

  /**
   * Appends to new streams, and to streams whose head this process holds (offered by the stream's previous append,
   * unfinalised), take `runClaimed`; the others round 1, side by side: the batch's slot is released once both parts
   * have acknowledged, and a failure is raised once both are over (the group committer then retries whatever neither
   * settled nor queued again).
   */
  private async runSplit(batch: QueuedAppend[], deadline: number, releaseSlot: () => void): Promise<void> {
    const owed = new Map<string, LockedWork>();
    // An append expected to be answered without a write reads its head: one handed over here could not refuse it.
    const offered = this.heads.takeOffered(
      batch.filter((a) => !a.readHead && !a.answerWithoutWrite).map((a) => a.aggregateId),
      owed,
    );
    const claimable = this.claimPositions ? batch.filter((a) => this.claimable(a, offered.get(a.aggregateId))) : [];
    const part = (appends: QueuedAppend[]) => {
      const ids = new Set(appends.map((a) => a.aggregateId));
      const pick = <T>(m: Map<string, T>) => new Map([...m].filter(([id]) => ids.has(id)));
      return { appends, offered: pick(offered), owed: pick(owed) };
    };
    const claimed = async (p: Part, release: () => void) => {
      if (!(await this.runClaimed(p, deadline, release))) await this.runBounded(p, deadline, release);
    };
    if (claimable.length === 0) return this.runBounded(part(batch), deadline, releaseSlot);
    if (claimable.length === batch.length) return claimed(part(batch), releaseSlot);
    const rest = batch.filter((a) => !claimable.includes(a));
    let parts = 2;
    const releaseOnce = () => {
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (--parts === 0) releaseSlot();
      };
    };
    const outcomes = await Promise.allSettled([
      claimed(part(claimable), releaseOnce()),
      this.runBounded(part(rest), deadline, releaseOnce()),
    ]);
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async runBounded({ appends: batch, offered, owed }: Part, deadline: number, releaseSlot: () => void): Promise<void> {
    // Appends this process expects to be answered without a write (`answerWithoutWrite`) get no positions: none to
    // allocate, and none to fence when they are refused or found stored.
    const total = batch.reduce((n, a) => n + (a.answerWithoutWrite ? 0 : a.events.length), 0);
    const clientIds = batch.flatMap((a) => a.events.map((e) => e.eventId?.toLowerCase()).filter((x): x is string => !!x));
    // Round trip 1: heads, where the client's event ids are, and positions, in parallel.
    const allocation = total > 0 ? timed(this.ctx.observer, 'allocate-positions', this.positions.allocate(total)) : Promise.resolve(0);
    const works: Work[] = [];
    // Streams whose previous append's head this round took unfinalised (`owed`): this round's lease finalises it, or
    // the round must finalise it itself.
    const handedOver = new Set<string>();
    try {
      // The heads this round reads and the client's event ids come in one `mget` (`read-heads`); the ids alone
      // (`read-event-ids`) when every head was handed over in this process.
      let idsRead: Promise<Map<string, LocatedEventId>> | undefined;
      let idsAsked = clientIds.length === 0;
      const readHeads = (ids: string[]): Promise<Map<string, Head>> => {
        if (idsAsked) return this.reader.getHeads(ids);
        idsAsked = true;
        const both = this.reader.getHeadsAndEventIds(ids, clientIds);
        idsRead = both.then(([, found]) => found);
        return both.then(([heads]) => heads);
      };
      const headsRead = timed(
        this.ctx.observer,
        'read-heads',
        this.heads.headsOf(
          batch.map((a) => a.aggregateId),
          deadlineOf(batch.map((a) => ({ a }))),
          owed,
          offered,
          new Set(batch.filter((a) => a.readHead || a.answerWithoutWrite).map((a) => a.aggregateId)),
          handedOver,
          readHeads,
        ),
      );
      if (!idsAsked) {
        idsAsked = true;
        idsRead = timed(this.ctx.observer, 'read-event-ids', this.reader.locateEventIds(clientIds));
      }
      const [heads, found, firstPosition] = await Promise.all([headsRead, idsRead ?? new Map<string, LocatedEventId>(), allocation]);
      let p = firstPosition;
      for (const a of batch) {
        const seen = { a, head: heads.get(a.aggregateId), handed: handedOver.has(a.aggregateId) };
        if (a.answerWithoutWrite) {
          works.push({ ...seen, first: 0, last: -1, unpositioned: true });
          continue;
        }
        works.push({ ...seen, first: p, last: p + a.events.length - 1 });
        p += a.events.length;
      }
      const ids = await this.steps.settleReservations(found);
      await this.lockRound(works, ids, releaseSlot, owed);
    } catch (e) {
      this.heads.settleOwed(owed, deadline);
      // Nothing was committed by this round (its commit round never started): fence every position it allocated so
      // no reader waits a gap timeout on them. Best effort; readers fence what this misses.
      const first = total > 0 ? await allocation.catch(() => null) : null;
      const ranges: [number, number][] = works.length > 0 ? positionedRanges(works) : first !== null ? [[first, first + total - 1]] : [];
      await cleanupWithin(deadline, () => this.log.tombstone(ranges, 'failed round')).catch(() => undefined);
      throw e;
    }
  }

  /**
   * Client event ids already known to the store. An id reserved by an append whose outcome is not settled yet is
   * looked up in the log: committed → it counts as stored; fenced or aborted → the reservation is stale and may be
   * taken over (compare-and-set on it); still in flight → appends carrying it wait and retry.
   */
  private async lockRound(works: Work[], ids: ReservedIds, releaseSlot: () => void, owed: Map<string, LockedWork>): Promise<void> {
    const now = Date.now();
    const timestamp = (this.ctx.clock ? this.ctx.clock() : new Date(now)).toISOString();
    const decided = this.decide(works, ids, now, timestamp, false);
    // Round trip 2: take the lease on each stream (CAS on its head) and reserve the client's event ids (create, or
    // CAS over a stale reservation), and fence off the positions nobody will use.
    const { ops, docs, slots } = this.leaseOps(decided.locking, ids, now, timestamp);
    const [results] = await Promise.all([
      ops.length > 0 ? timed(this.ctx.observer, 'lock', bulkPairs(this.ctx.client, ops, docs)) : [],
      this.log.tombstone(positionedRanges(decided.unused), 'unused allocation'),
      this.recovery.resolveAll(decided.toResolve.map((w) => ({ aggregateId: w.a.aggregateId, head: w.head as Head }))),
    ]);
    for (const w of decided.toResolve) this.hooks.retryLater(w.a, 5, 'pending-lease');
    await this.afterLease(decided.locking, slots, results, works, releaseSlot, owed, decided.idempotent);
  }

  /**
   * Round 1 folded into round 2, for a batch of appends to new streams (`claimable`): no head or event id is read (a
   * new stream has none; an existing one makes its head's `create` fail, a known id its reservation's), and the
   * positions are claimed from the counter value this process cached, its compare-and-set sent in the same bulk as the
   * leases and reservations. The bulk is not atomic: when the counter's item did not apply, the positions are not
   * ours, so what the bulk created is deleted again (nothing was committed, and a lease or reservation left behind by
   * a crash fences only its first position: `fenceRange`) and the appends go round again, through round 1. An append
   * this path fails for (its stream exists, an id is taken) goes through round 1 too. Returns false when no counter
   * value is cached (nothing sent: the caller runs round 1).
   */
  private async runClaimed({ appends: batch, offered, owed }: Part, deadline: number, releaseSlot: () => void): Promise<boolean> {
    const now = Date.now();
    const timestamp = (this.ctx.clock ? this.ctx.clock() : new Date(now)).toISOString();
    const total = batch.reduce((n, a) => n + a.events.length, 0);
    const none: ReservedIds = { committed: new Map(), stale: new Map(), inFlight: new Set() };
    let sent:
      | { works: Work[]; locking: LockingWork[]; unused: Work[]; slots: LeaseSlot[]; results: (estypes.BulkResponseItem | undefined)[] }
      | undefined;
    let claim: 'confirmed' | 'refused' | null;
    let claimedWorks: Work[] = [];
    try {
      claim = await this.positions.claimInline(total, async (first, counterOp, counterDoc) => {
        let p = first;
        const works: Work[] = (claimedWorks = batch.map((a) => {
          const w = { a, first: p, last: p + a.events.length - 1, head: offered.get(a.aggregateId), handed: offered.has(a.aggregateId) };
          p += a.events.length;
          return w;
        }));
        const decided = this.decide(works, none, now, timestamp, true);
        const { ops, docs, slots } = this.leaseOps(decided.locking, none, now, timestamp);
        const items = await timed(this.ctx.observer, 'lock', bulkPairs(this.ctx.client, [counterOp, ...ops], [counterDoc, ...docs]));
        sent = { works, locking: decided.locking, unused: decided.unused, slots, results: items.slice(1) };
        return items[0];
      });
    } catch (e) {
      // No answer: the counter may have moved and the leases may be taken. Fence each append's first position alone
      // (its leases and reservations then settle at once; the positions may be another writer's) and go round again.
      for (const a of batch) a.readFirst = true;
      this.heads.settleOwed(owed, deadline);
      await this.fenceWithin(
        deadline,
        claimedWorks.map((w) => [w.first, w.first]),
        'failed round',
      );
      throw e;
    }
    if (claim === null || !sent) return false;
    // Whatever happens next, an append still unsettled after this round goes through round 1.
    for (const a of batch) a.readFirst = true;
    if (claim === 'confirmed') {
      const { works } = sent;
      try {
        await this.log.tombstone(
          sent.unused.map((w) => [w.first, w.last]),
          'unused allocation',
        );
        await this.afterLease(sent.locking, sent.slots, sent.results, works, releaseSlot, owed, []);
      } catch (e) {
        // As in `runBounded`: the positions are ours; fence them so no reader waits on them (a commit keeps its own).
        this.heads.settleOwed(owed, deadline);
        await this.fenceWithin(
          deadline,
          works.map((w) => [w.first, w.last]),
          'failed round',
        );
        throw e;
      }
      return true;
    }
    // The positions are not ours: what the bulk wrote is taken back (a new stream's head and the reservations deleted,
    // an existing stream's head written back as it was, finalised); a head this round owed a finalisation and did not
    // lease is finalised now.
    const { slots, results, locking } = sent;
    const written = slots.map((s, i) => ({ ...s, item: results[i] }));
    await cleanupWithin(deadline, () => this.steps.withdrawClaims(written)).catch(() => undefined);
    for (const { w, index, item } of written)
      if (index === this.ctx.names.streams && item && item.status < 300) owed.delete(w.a.aggregateId);
    this.heads.settleOwed(owed, deadline);
    for (const w of locking) this.hooks.retryLater(w.a, 0, 'counter-conflict');
    return true;
  }

  /** Fences ranges before `deadline`, best effort (readers fence what this misses after the gap timeout). */
  private async fenceWithin(deadline: number, ranges: [number, number][], reason: string): Promise<void> {
    await cleanupWithin(deadline, () => this.log.tombstone(ranges, reason)).catch(() => undefined);
  }

  /**
   * An append that may take `runClaimed`, not already sent back to round 1: to a stream that must not exist yet, or
   * to a stream whose head this process holds (`head`, offered by its previous append) when that head alone decides
   * it (no retention or deletion, and it would be appended if none of its client ids is stored: an id that is stored or
   * reserved makes its reservation's `create` fail, and round 1 then judges it).
   */
  private claimable(a: QueuedAppend, head: Head | undefined): boolean {
    if (a.readFirst || a.idsFound || a.answerWithoutWrite) return false;
    if (!head) return a.expectedVersion === 'no_stream' && !this.hooks.finalizedHead(a.aggregateId);
    const doc = head.doc;
    if (!doc || doc.pending || doc.lifecycle) return false;
    try {
      const req = {
        aggregateId: a.aggregateId,
        aggregateType: a.aggregateType,
        events: a.events,
        expectedVersion: a.expectedVersion,
        ctx: a.ctx,
      };
      return decideAppend(req, doc, new Map()).kind === 'append';
    } catch {
      return false;
    }
  }

  /** Decides each append of a round against its head and the ids found; `claimed`: positions not yet confirmed. */
  private decide(works: Work[], ids: ReservedIds, now: number, timestamp: string, claimed: boolean): Decided {
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
      if (!w.unpositioned && doc && w.first <= (doc.lastPosition ?? 0)) {
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
        if (w.unpositioned) {
          // Expected to be answered without a write, but it must be written: round again, with positions.
          a.needsPositions = true;
          this.hooks.retryLater(a, 0, 'positions-needed');
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
          ...(claimed ? { claimed: true as const } : {}),
        };
        locking.push({ ...w, organizationId: decision.organizationId, envelopes, pending, reserve: mine });
      } catch (e) {
        if (w.handed && !(e instanceof DuplicateEventError)) {
          // A head handed over in this process says so, but another instance may have moved the stream since (rolled
          // this process's last commit forward and appended): only a head read from Elasticsearch may refuse it.
          a.readHead = true;
          this.hooks.retryLater(a, 0, 'head-recheck');
        } else a.reject(e);
        unused.push(w);
      }
    }
    return { toResolve, idempotent, locking, unused };
  }

  /** The lease bulk's operations: each stream's head (CAS, or create for a new stream) and its client event ids. */
  private leaseOps(
    locking: LockingWork[],
    ids: ReservedIds,
    now: number,
    timestamp: string,
  ): { ops: estypes.BulkOperationContainer[]; docs: unknown[]; slots: LeaseSlot[] } {
    const ops: estypes.BulkOperationContainer[] = [];
    const docs: unknown[] = [];
    const slots: LeaseSlot[] = [];
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
      slots.push({ w, index: this.ctx.names.streams, id: w.a.aggregateId });
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
          ...(w.pending.claimed ? { claimed: true as const } : {}),
        };
        docs.push(reservation);
        slots.push({ w, index: this.ctx.names.eventIds, id: e.eventId });
      });
    }
    return { ops, docs, slots };
  }

  /** Sorts the lease bulk's answers (locked, lost, leased but an id taken) and runs the rounds that follow. */
  private async afterLease(
    locking: LockingWork[],
    slots: LeaseSlot[],
    results: (estypes.BulkResponseItem | undefined)[],
    works: Work[],
    releaseSlot: () => void,
    owed: Map<string, LockedWork>,
    idempotent: { w: Work; from: number; to: number }[],
  ): Promise<void> {
    const headOk = new Map<LockingWork, estypes.BulkResponseItem>();
    const refused = new Map<LockingWork, estypes.BulkResponseItem | undefined>();
    slots.forEach(({ w, index }, i) => {
      const item = results[i];
      const ok = !!item && item.status >= 200 && item.status < 300;
      if (ok && index === this.ctx.names.streams) headOk.set(w, item);
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
        unreserved.push(lw); // leased, but an id is reserved by someone else: the lease is given back (`commitRound`)
      else lost.push(w);
      const item = refused.get(w);
      if (item?.status === 409 || bulkItemTransient(item)) {
        // Another writer moved the head or took an id between our read and our write: read again and decide again.
        // (Put back in the queue here only: once, whatever it lost.)
        if (item?.status === 409) this.ctx.observer.conflict?.('lock');
        const reason = item?.status !== 409 ? 'transient' : lw ? 'event-id-taken' : 'lock-conflict';
        this.hooks.retryLater(w.a, item?.status === 409 ? 1 : 50, reason);
      } else {
        w.a.reject(translate(new Error(`could not lock stream: ${JSON.stringify(item?.error)}`), 'append'));
      }
    }

    // A lease taken over an unfinalised head finalised it (given back, it still carries the finalised version); the
    // others this round owes are finalised now.
    for (const w of [...locked, ...unreserved]) owed.delete(w.a.aggregateId);
    this.heads.settleOwed(owed, deadlineOf(works));

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
        ...subjectsOf(w.envelopes),
      };
      commitDocs.push(commit);
    }
    const [commitResults] = await Promise.all([
      commitOps.length === 0
        ? []
        : timed(this.ctx.observer, 'commit', bulkPairs(this.ctx.client, commitOps, commitDocs)).catch((e: unknown) => {
            this.ctx.logger?.warn(`commit bulk failed, settling each commit: ${(e as Error).message}`);
            return locked.map(() => undefined);
          }),
      this.log.tombstone(
        lost.map((w) => [w.first, w.last]),
        'lost stream lock',
      ),
      this.steps.abortLocks(unreserved, true),
    ]);
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
      committed.length === 0
        ? []
        : timed(
            this.ctx.observer,
            'derive',
            writeDerived(
              this.ctx,
              committed.map((w) => w.envelopes),
              false,
            ),
          ),
      cleanupWithin(deadlineOf(aborted), () => this.steps.abortLocks(aborted, false)),
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

    // Round trip 5: finalise heads (release the lease), or hand them to the stream's next append in this process
    // (a contended stream's head may wait a moment for it). Failures here are repaired by the next writer or reader.
    // Idempotent retries are answered meanwhile.
    await Promise.all([
      this.heads.finalize(committed.filter((_, i) => derivedOk[i])),
      ...idempotent.map(async ({ w, from, to }) => {
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
    ]);
  }

  /**
   * Settles a commit whose answer was lost or refused, while this writer still holds the stream's lease: it fences its
   * own position with a `create`. Created → the commit never landed and never will (its create now fails);
   * 409 → whatever holds the position decides (our commit, or someone's tombstone). Retried until the append's
   * deadline; only then is the outcome unknown.
   */
}

/** The `subjects` of a commit holding these events: the hashes of their personal sections' subjects, if any. */
function subjectsOf(events: readonly StoredEvent[]): { subjects?: string[] } {
  let subjects: Set<string> | undefined;
  for (const e of events) {
    const hash = (e.personal as { subjectHash?: string } | undefined)?.subjectHash;
    if (hash) (subjects ??= new Set()).add(hash);
  }
  return subjects ? { subjects: [...subjects] } : {};
}
