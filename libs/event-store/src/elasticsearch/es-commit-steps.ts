import type { estypes } from '@elastic/elasticsearch';
import { bulkPairs, sleep, type EsContext } from './es-context';
import type { LockedWork, LockingWork, ReservedIds } from './es-commit-types';
import { streamOf } from './es-commit-types';
import { fenceRange, headDocument, type Head, type HeadDoc, type LocatedEventId } from './es-documents';
import { isTransient } from './es-errors';
import type { GlobalLog } from './es-log';

/** The commit protocol's steps that settle what a round left open: reservations, commits, leases. */
export class CommitSteps {
  constructor(
    private readonly ctx: EsContext,
    private readonly log: GlobalLog,
  ) {}

  async settleReservations(found: Map<string, LocatedEventId>): Promise<ReservedIds> {
    const out: ReservedIds = { committed: new Map(), stale: new Map(), inFlight: new Set() };
    // The ids of one append share its commit: one read of the log per commit.
    const logDocs = new Map<number, ReturnType<GlobalLog['getLogDoc']>>();
    const logDocAt = (position: number) => {
      if (!logDocs.has(position)) logDocs.set(position, this.log.getLogDoc(position));
      return logDocs.get(position) as ReturnType<GlobalLog['getLogDoc']>;
    };
    await Promise.all(
      [...found].map(async ([id, doc]) => {
        if (!doc.txId) {
          out.committed.set(id, { aggregateId: doc.aggregateId, version: doc.version });
          return;
        }
        let log = await logDocAt(doc.firstPosition as number);
        if (!log) {
          if (Date.now() < (doc.expiresAt ?? 0)) {
            out.inFlight.add(id);
            return;
          }
          // Its writer outlived its lease without committing: fence its position (or find the commit that just landed).
          const fenced = await this.log.createTombstone(
            ...fenceRange({ firstPosition: doc.firstPosition as number, lastPosition: doc.lastPosition as number, claimed: doc.claimed }),
            'expired event id reservation',
          );
          if (!fenced) log = await this.log.getLogDoc(doc.firstPosition as number);
        }
        if (log?.kind === 'commit' && log.txId === doc.txId) out.committed.set(id, { aggregateId: doc.aggregateId, version: doc.version });
        else out.stale.set(id, { seqNo: doc.seqNo, primaryTerm: doc.primaryTerm });
      }),
    );
    return out;
  }

  /** Decides each append, then round trip 2 (leases and id reservations) and what follows for those it locked. */
  async settleCommit(w: LockedWork): Promise<'committed' | 'not-committed' | 'unknown'> {
    for (let attempt = 0; ; attempt++) {
      try {
        if (await this.log.createTombstone(w.first, w.last, 'commit fenced by its own writer')) return 'not-committed';
        const doc = await this.log.getLogDoc(w.first);
        if (doc) return doc.kind === 'commit' && doc.txId === w.pending.txId ? 'committed' : 'not-committed';
      } catch (e) {
        if (!isTransient(e)) {
          this.ctx.logger?.warn(`could not settle the commit of ${w.a.aggregateId}: ${(e as Error).message}`);
        }
      }
      const backoff = Math.min(1000, 25 * 2 ** attempt);
      if (Date.now() + backoff >= w.a.deadline) return 'unknown';
      await sleep(backoff);
    }
  }

  /**
   * Gives leases back (CAS with the lock's seq_no) and fences the positions of appends that will not commit here.
   * `whole`: nothing fenced their first position yet; otherwise it is (a reader's or our own tombstone).
   */
  async abortLocks(works: LockedWork[], whole: boolean): Promise<void> {
    if (works.length === 0) return;
    const ops: estypes.BulkOperationContainer[] = [];
    const docs: unknown[] = [];
    for (const w of works) {
      const head = w.head?.doc;
      ops.push({
        index: { _index: this.ctx.names.streams, _id: w.a.aggregateId, if_seq_no: w.lockSeqNo, if_primary_term: w.lockPrimaryTerm },
      });
      docs.push(
        headDocument(streamOf(w), { version: head?.version ?? 0, lastPosition: head?.lastPosition ?? 0 }, new Date().toISOString(), null),
      );
    }
    await bulkPairs(this.ctx.client, ops, docs).catch(() => undefined);
    await this.log.tombstone(
      whole ? works.map((w) => [w.first, w.last]) : works.filter((w) => w.last > w.first).map((w) => [w.first + 1, w.last]),
      'aborted commit',
    );
  }

  /**
   * Takes back what a lease bulk wrote when its positions turned out not to be ours (`CommitProtocol.runClaimed`), by
   * compare-and-set on the seq_no each document was written with (one written over since is someone else's now): a
   * reservation or a new stream's head is deleted, an existing stream's head is written back without the lease, at the
   * version and position the lease carried (the previous append's, finalised). Nothing of it was committed, so the
   * stream and the ids are as before the round.
   */
  async withdrawClaims(
    written: { w: LockingWork; index: string; id: string; item: estypes.BulkResponseItem | undefined }[],
  ): Promise<void> {
    const operations: unknown[] = [];
    for (const { w, index, id, item } of written) {
      if (!item || item.status < 200 || item.status >= 300 || typeof item._seq_no !== 'number' || typeof item._primary_term !== 'number')
        continue;
      const at = { _index: index, _id: id, if_seq_no: item._seq_no, if_primary_term: item._primary_term };
      const head = w.head?.doc;
      if (index === this.ctx.names.streams && head) {
        const doc = headDocument(
          streamOf(w),
          { version: head.version, lastPosition: head.lastPosition ?? 0 },
          new Date().toISOString(),
          null,
        );
        operations.push({ index: at }, doc);
      } else operations.push({ delete: at });
    }
    if (operations.length > 0) await this.ctx.client.bulk({ operations });
  }

  /**
   * Releases the leases of committed appends: each head moves to its append's last version and position. Returns, per
   * work, the head as written with its new seq_no (what a realtime read would now return), or null when not written.
   */
  async finalizeHeads(works: LockedWork[]): Promise<(Head | null)[]> {
    if (works.length === 0) return [];
    const ops: estypes.BulkOperationContainer[] = [];
    const docs: unknown[] = [];
    const now = new Date().toISOString();
    for (const w of works) {
      ops.push({
        index: { _index: this.ctx.names.streams, _id: w.a.aggregateId, if_seq_no: w.lockSeqNo, if_primary_term: w.lockPrimaryTerm },
      });
      docs.push(finalizedHead(w, now).doc);
    }
    // A 409 means someone rolled our commit forward already: same result (the next append reads that head).
    const items = await bulkPairs(this.ctx.client, ops, docs);
    return items.map((it, i) =>
      it && it.status >= 200 && it.status < 300 && typeof it._seq_no === 'number' && typeof it._primary_term === 'number'
        ? { doc: docs[i] as HeadDoc, seqNo: it._seq_no, primaryTerm: it._primary_term }
        : null,
    );
  }
}

/**
 * The head a committed append leaves once finalised, with the seq_no of its lease write: what a compare-and-set over
 * the stream's head needs when the lease document is still the one in Elasticsearch (a lease folded into the next one).
 */
export function finalizedHead(w: LockedWork, updatedAt: string): Head & { doc: HeadDoc } {
  return {
    doc: headDocument(streamOf(w), { version: w.pending.toVersion, lastPosition: w.pending.lastPosition }, updatedAt, null),
    seqNo: w.lockSeqNo,
    primaryTerm: w.lockPrimaryTerm,
  };
}
