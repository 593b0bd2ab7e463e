import type { EventStore, StoredEvent } from '@gyroscops/event-store';
import { ADMIN } from './workload-runner';

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: string; code?: string };

export interface LogRead {
  events: StoredEvent[];
  /** Set when the reader could not get past this checkpoint although nothing was in flight any more. */
  stuckAt?: number;
  head: number;
}

/** The store as its public API shows it once no writer is left in flight. */
export interface FinalState {
  streams: Map<string, Outcome<{ version: number; events: StoredEvent[] }>>;
  /** readAll from 0 to the end. */
  log: Outcome<LogRead>;
  /** readAll from interior checkpoints to the end. */
  suffixes: Map<number, Outcome<LogRead>>;
  /** getEvent of every event id the workload used or the store holds. */
  byEventId: Map<string, Outcome<StoredEvent>>;
}

export interface Observer {
  store: EventStore;
  /** Virtual time in-process, real time against Elasticsearch. */
  sleep(ms: number): Promise<void>;
  /** Makes search see every write so far (refresh). */
  refresh(): Promise<void>;
  leaseMs: number;
  gapTimeoutMs: number;
  /** Read the suffix from every position (cheap in-process), or only from those inside multi-event appends. */
  everyCheckpoint: boolean;
}

async function attempt<T>(f: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await f() };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e), code: (e as { code?: string })?.code };
  }
}

/** Reads the log from a checkpoint to its head, waiting out gap timeouts; gives up after a few rounds without progress. */
async function readLogFrom(o: Observer, after: number): Promise<LogRead> {
  const events: StoredEvent[] = [];
  let checkpoint = after;
  let idle = 0;
  for (;;) {
    const page = await o.store.readAll({ after: checkpoint, maxCount: 1000 });
    events.push(...page.events);
    if (page.checkpoint >= page.head) return { events, head: page.head };
    if (page.checkpoint === checkpoint && page.events.length === 0) {
      if (++idle > 3) return { events, head: page.head, stuckAt: checkpoint };
      await o.sleep(o.gapTimeoutMs + 1);
    } else idle = 0;
    checkpoint = page.checkpoint;
  }
}

/** Lets leases expire, settles them through the store's own sweep when it has one, then reads everything back. */
export async function readFinalState(o: Observer, aggregateIds: string[], workloadEventIds: string[]): Promise<FinalState> {
  await o.sleep(o.leaseMs * 2 + 1);
  await o.refresh();
  const sweeper = o.store as EventStore & { sweepPendingLeases?: () => Promise<number> };
  if (typeof sweeper.sweepPendingLeases === 'function') {
    for (let i = 0; i < 5; i++) if ((await sweeper.sweepPendingLeases().catch(() => 0)) === 0) break;
  }

  const streams = new Map<string, Outcome<{ version: number; events: StoredEvent[] }>>();
  for (const id of aggregateIds) {
    streams.set(id, await attempt(async () => (({ version, events }) => ({ version, events }))(await o.store.readStream(id, ADMIN))));
  }
  const log = await attempt(() => readLogFrom(o, 0));

  const suffixes = new Map<number, Outcome<LogRead>>();
  if (log.ok) {
    const all = log.value.events;
    const inside = (i: number) =>
      i + 1 < all.length && all[i + 1].aggregateId === all[i].aggregateId && all[i + 1].metadata.harnessOp === all[i].metadata.harnessOp;
    const from = new Set<number>();
    all.forEach((e, i) => {
      if (o.everyCheckpoint || inside(i)) from.add(e.position);
    });
    for (let p = 0; o.everyCheckpoint && p < log.value.head; p++) from.add(p);
    for (const p of [...from].sort((a, b) => a - b)) if (p > 0) suffixes.set(p, await attempt(() => readLogFrom(o, p)));
  }

  await o.refresh();
  const byEventId = new Map<string, Outcome<StoredEvent>>();
  const ids = new Set(workloadEventIds.map((id) => id.toLowerCase()));
  for (const s of streams.values()) if (s.ok) for (const e of s.value.events) ids.add(e.eventId);
  for (const id of ids) byEventId.set(id, await attempt(() => o.store.getEvent(id, ADMIN)));
  return { streams, log, suffixes, byEventId };
}
