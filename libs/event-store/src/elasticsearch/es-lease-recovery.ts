import { EventStoreUnavailableError } from '../event-store.errors';
import type { EsContext } from './es-context';
import { writeDerived } from './es-derived';
import { fenceRange, type Head, type HeadDoc, type Pending } from './es-documents';
import { statusOf } from './es-errors';
import type { GlobalLog } from './es-log';
import type { StreamReader } from './es-stream-reader';

/**
 * Settles stream leases their writer did not come back to. The commit document decides: present with the lease's
 * `txId` → roll the append forward (derived documents, then the head); absent after the lease expired → fence the
 * position with a tombstone (or find the commit that landed first) and clear the lease.
 */
export class LeaseRecovery {
  constructor(
    private readonly ctx: EsContext,
    private readonly log: GlobalLog,
    private readonly reader: StreamReader,
  ) {}

  /** Settles each pending head it is given; failures are left for the next writer, reader or sweep. */
  async resolveAll(heads: { aggregateId: string; head: Head }[]): Promise<void> {
    await Promise.all(heads.map(({ aggregateId, head }) => this.resolve(aggregateId, head).catch(() => undefined)));
  }

  /** 'in-flight' while the lease is live and nothing is committed: its writer may still commit. */
  async resolve(aggregateId: string, head: Head): Promise<'resolved' | 'in-flight'> {
    const doc = head.doc as HeadDoc;
    const pending = doc.pending as Pending;
    let log = await this.log.getLogDoc(pending.firstPosition);
    if (!log) {
      if (Date.now() < pending.expiresAt) return 'in-flight';
      const fenced = await this.log.createTombstone(...fenceRange(pending), `expired lease on ${aggregateId}`);
      if (!fenced) log = await this.log.getLogDoc(pending.firstPosition);
    }
    const next: HeadDoc = { ...doc, pending: null, pendingSince: null, updatedAt: new Date().toISOString() };
    if (log && log.kind === 'commit' && log.txId === pending.txId) {
      const [ok] = await writeDerived(this.ctx, [log.events]);
      if (!ok) throw new EventStoreUnavailableError('could not roll a commit forward');
      next.version = log.toVersion;
      next.lastPosition = log.lastPosition;
    }
    await this.ctx.client
      .index({ index: this.ctx.names.streams, id: aggregateId, if_seq_no: head.seqNo, if_primary_term: head.primaryTerm, document: next })
      .catch((e: unknown) => {
        if (statusOf(e) !== 409) throw e;
      });
    this.ctx.observer.leaseTakeover?.(next.version === doc.version ? 'fenced' : 'rolled-forward');
    return 'resolved';
  }

  /**
   * Settles leases older than the lease time that no writer came back to: a commit whose writer died, or whose
   * derived documents could not be written, is rolled forward (so it reaches search and the event-id index even
   * if its stream is never written again); an abandoned lease is fenced and cleared. Returns how many it settled.
   */
  async sweep(max: number, busy: (aggregateId: string) => boolean): Promise<number> {
    const r = await this.ctx.client.search<HeadDoc>({
      index: this.ctx.names.streams,
      size: max,
      _source: false,
      query: { range: { pendingSince: { lte: Date.now() - this.ctx.leaseMs } } },
    });
    const ids = r.hits.hits.map((h) => h._id as string);
    if (ids.length === 0) return 0;
    // Search is not realtime: settle only what a realtime read still shows pending.
    const heads = await this.reader.getHeads(ids);
    let settled = 0;
    for (const [aggregateId, head] of heads) {
      if (!head.doc?.pending || busy(aggregateId)) continue;
      if ((await this.resolve(aggregateId, head).catch(() => 'in-flight')) === 'resolved') settled++;
    }
    return settled;
  }
}
