import { cleanupWithin, type EsContext } from './es-context';
import { finalizedHead, type CommitSteps } from './es-commit-steps';
import type { BatchHooks, LockedWork, ProtocolFaults, QueuedAppend } from './es-commit-types';
import type { Head } from './es-documents';
import type { StreamReader } from './es-stream-reader';
import { timed } from '../store-observer';

const deadlineOf = (works: { a: QueuedAppend }[]) => Math.max(0, ...works.map((w) => w.a.deadline));

/**
 * How a stream's head passes from one round of the commit protocol to the stream's next round in this process: read
 * from Elasticsearch, taken from the finalisation in flight, or taken unfinalised (the next lease finalises it).
 */
export class HeadHandover {
  /** Committed appends whose head is offered, not finalised, to their stream's next append (see `finalize`). */
  private readonly unfinalized = new Map<string, LockedWork>();
  /** Finalisations a round already gave up waiting for: the stream's later rounds read its head at once. */
  private readonly overdue = new WeakSet<Promise<Head | null>>();

  constructor(
    private readonly ctx: EsContext,
    private readonly reader: StreamReader,
    private readonly steps: CommitSteps,
    private readonly hooks: BatchHooks,
    private readonly faults: ProtocolFaults = {},
  ) {}

  /**
   * The streams' heads: read (`mget`, realtime), or, for a stream whose previous append in this process is being
   * finalised, the head that finalisation writes (its seq_no as Elasticsearch answered it, so the lease's
   * compare-and-set fails if anyone wrote the head since, as after a read); read after all if it did not land. A head
   * taken unfinalised goes into `owed`: the round's lease finalises it, or the round must (`settleOwed`). Streams in
   * `fresh` are read whatever was handed over; `handedOver` gets the streams whose head was not read. Heads are read
   * with `read`: once before the first `await`, when any is read (round 1 reads its event ids in the same request),
   * and again for a handed-over head that did not come.
   */
  async headsOf(
    ids: string[],
    deadline: number,
    owed: Map<string, LockedWork>,
    offered: Map<string, Head>,
    fresh: ReadonlySet<string>,
    handedOver: Set<string>,
    read: (ids: string[]) => Promise<Map<string, Head>> = (toRead) => this.reader.getHeads(toRead),
  ): Promise<Map<string, Head>> {
    const handed = ids.flatMap((id) => {
      if (offered.has(id)) return [[id, Promise.resolve(offered.get(id) as Head)] as const];
      if (fresh.has(id)) return [];
      const head = this.hooks.finalizedHead(id);
      // That write is bounded by the previous round's deadline, which may be later than this round's: it is waited on
      // for half of what is left of this round's, then the head is read (a lease it still holds is rolled forward by
      // recovery). Waiting the whole of it left the read no time: the round was refused though Elasticsearch answered.
      return head && !this.overdue.has(head) ? [[id, this.headBy(head, Date.now() + Math.max(0, deadline - Date.now()) / 2)] as const] : [];
    });
    if (handed.length === 0) return read(ids);
    const toRead = ids.filter((id) => !handed.some(([h]) => h === id));
    const [readNow, written] = await Promise.all([
      toRead.length > 0 ? read(toRead) : new Map<string, Head>(),
      Promise.all(handed.map(async ([id, head]) => [id, await head] as const)),
    ]);
    const unwritten = written.filter(([, head]) => !head).map(([id]) => id);
    const again = unwritten.length > 0 ? await this.reader.getHeads(unwritten) : new Map<string, Head>();
    const out = new Map<string, Head>();
    for (const id of ids) {
      const passed = written.find(([h]) => h === id)?.[1];
      if (passed) handedOver.add(id);
      const head = readNow.get(id) ?? passed ?? again.get(id);
      if (head) out.set(id, head);
    }
    return out;
  }

  /**
   * The heads offered, unfinalised, to these streams by their previous append in this process (`finalize`): each one
   * taken goes into `owed` (the round's lease finalises it, or the round must: `settleOwed`).
   */
  takeOffered(ids: string[], owed: Map<string, LockedWork>): Map<string, Head> {
    const offered = new Map<string, Head>();
    for (const id of ids) {
      const head = this.hooks.takeOfferedHead(id);
      const previous = this.unfinalized.get(id);
      if (!head || !previous) continue;
      this.unfinalized.delete(id);
      owed.set(id, previous);
      offered.set(id, head);
    }
    return offered;
  }

  /** The head a finalisation leaves, or null once `by` (epoch ms) passes first (the finalisation is then overdue). */
  private headBy(head: Promise<Head | null>, by: number): Promise<Head | null> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(
        () => {
          this.overdue.add(head);
          resolve(null);
        },
        Math.max(0, by - Date.now()),
      );
    });
    return Promise.race([head, late]).finally(() => clearTimeout(timer));
  }

  /**
   * Releases the leases of acknowledged appends. A stream with another append queued in this process hands its head
   * over unfinalised: the next round's lease (a compare-and-set on this lease's seq_no) writes the finalised version and
   * position with its own lease, one head write and one round trip fewer between two appends to a hot stream. The
   * others are finalised now, and their next append in this process takes the head this write leaves instead of
   * reading it after it. Settles once the writes are done.
   */
  async finalize(works: LockedWork[]): Promise<void> {
    const now = new Date().toISOString();
    const unoffered = works.filter((w) => !this.offer(w, now));
    // A contended stream's next append in this process usually follows within a client's turn-around: its head waits
    // for it a moment, unfinalised, so that append's lease finalises it (no write of its own, and that append takes its
    // head without waiting for a write). Readers meanwhile serve the append from its commit document, as they do until
    // any finalisation. The other heads are finalised now.
    const waits = unoffered.map((w) => this.hooks.nextAppend(w.a.aggregateId));
    const atOnce = unoffered.filter((_, i) => !waits[i]);
    await Promise.all([
      this.write(atOnce, deadlineOf(atOnce)),
      ...unoffered.map(async (w, i) => {
        const wait = waits[i];
        if (!wait) return;
        if ((await wait) && this.offer(w, new Date().toISOString())) return;
        await this.write([w], w.a.deadline);
      }),
    ]);
  }

  /** Offers a committed append's head, unfinalised, to its stream's next queued append: true when a round took it. */
  private offer(w: LockedWork, now: string): boolean {
    const id = w.a.aggregateId;
    this.unfinalized.set(id, w);
    if (this.hooks.offerHead(id, finalizedHead(w, now)) && !this.unfinalized.has(id)) return true;
    this.unfinalized.delete(id);
    return false;
  }

  /** Finalises the heads a round took unfinalised and did not lease (best effort, like any finalisation). */
  settleOwed(owed: Map<string, LockedWork>, deadline: number): void {
    if (owed.size === 0) return;
    const works = [...owed.values()];
    owed.clear();
    void this.write(works, deadline);
  }

  private async write(works: LockedWork[], deadline: number): Promise<void> {
    if (works.length === 0) return;
    const finalized = timed(
      this.ctx.observer,
      'finalize',
      cleanupWithin(deadline, async () => {
        await this.faults.beforeFinalize?.(works.map((w) => w.a.aggregateId));
        return this.steps.finalizeHeads(works);
      }),
    ).catch((e: unknown) => {
      this.ctx.logger?.warn(`finalising heads failed: ${(e as Error).message}`);
      return works.map(() => null);
    });
    works.forEach((w, i) =>
      this.hooks.handOver(
        w.a.aggregateId,
        finalized.then((heads) => heads[i] ?? null),
      ),
    );
    await finalized;
  }
}
