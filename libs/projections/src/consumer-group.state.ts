import type { StoredEvent } from '@gyroscops/event-store';
import { MAX_PARKED_KEPT, withParkedEvents, type ConsumerStateDoc, type ParkedEvent } from './consumer-state';
import type { LogFilter } from './log-filter';

/**
 * A consumer group's delivery state, pure: what is waiting, in flight, retried, and how the checkpoint follows.
 * It lives in the group's state document (`group:<organization>/<name>` in `<prefix>-projection-state`) next to
 * the checkpoint, lease and parked list every projection and saga has, and every change is a compare-and-set of
 * that document, so any service instance can serve fetches and acknowledgements.
 *
 * - `pending` holds the matching events after the checkpoint and up to `scannedTo`, in position order (the
 *   group's runner appends to it; acknowledged events leave it). The checkpoint is just before the first of them.
 * - An event is handed out only when no earlier pending event of its aggregate is left: one event per aggregate
 *   in flight, so per-aggregate order holds across consumers, and no event is ever in flight at two consumers.
 * - A delivery lapses at its deadline, or is refused (nack); it is then retried after a backoff, and parked after
 *   `maxAttempts` deliveries, which lets the aggregate's later events through.
 */

export type PendingState = 'ready' | 'inflight' | 'retry';

export interface PendingEvent {
  position: number;
  eventId: string;
  eventType: string;
  aggregateId: string;
  /** Deliveries so far. */
  attempts: number;
  state: PendingState;
  /** The latest delivery: kept after it lapses so that a late acknowledgement is still honoured until the next one. */
  deliveryId: string | null;
  consumer: string | null;
  /** In flight: epoch ms at which the delivery lapses. */
  deadline: number | null;
  /** Retry: epoch ms before which it is not handed out again. */
  notBefore: number | null;
  lastError: string | null;
  /** Put back from the parked list: it does not hold the checkpoint back. */
  replay: boolean;
}

export interface ConsumerGroupSettings {
  /** Deliveries of one event (lapsed or refused) before it is parked. */
  maxAttempts: number;
  /** How long a consumer holds a delivery before it lapses and the event may go to another consumer. */
  ackTimeoutMs: number;
  /** Backoff before a refused or lapsed event is delivered again: exponential from retryBaseMs, capped at retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
}

export const DEFAULT_GROUP_SETTINGS: Readonly<ConsumerGroupSettings> = Object.freeze({
  maxAttempts: 5,
  ackTimeoutMs: 30_000,
  retryBaseMs: 1000,
  retryMaxMs: 60_000,
});

/** Pending events a group keeps (and so the most it can have in flight); bounds the state document (~250 bytes each). */
export const GROUP_WINDOW = 256;
/** Consumers remembered in the status, most recently seen first. */
export const GROUP_CONSUMERS_KEPT = 50;

export interface ConsumerStats {
  lastSeenAt: string;
  delivered: number;
  acked: number;
  nacked: number;
}

export interface ConsumerGroupState {
  /** The organization the group belongs to (its name is unique within it). */
  organizationId: string;
  /** True for a group an admin created for itself: it sees every organization's events, and only admins may use it. */
  allOrganizations: boolean;
  filter: LogFilter;
  settings: ConsumerGroupSettings;
  createdAt: string;
  updatedAt: string;
  /** The log is examined up to here: the matching events after the checkpoint and up to it are in `pending`. */
  scannedTo: number;
  pending: PendingEvent[];
  consumers: Record<string, ConsumerStats>;
  delivered: number;
  redelivered: number;
  acked: number;
  nacked: number;
  lapsed: number;
}

export type GroupDoc = ConsumerStateDoc & { group: ConsumerGroupState };

export function isGroupDoc(doc: ConsumerStateDoc | null | undefined): doc is GroupDoc {
  return !!doc && doc.kind === 'group' && !!doc.group;
}

/** Every position up to the checkpoint is done (acknowledged, filtered out, parked or skipped). */
export function groupCheckpoint(group: ConsumerGroupState): number {
  let first = Number.POSITIVE_INFINITY;
  for (const p of group.pending) if (!p.replay && p.position < first) first = p.position;
  return first === Number.POSITIVE_INFINITY ? group.scannedTo : first - 1;
}

function withCheckpoint(doc: GroupDoc): GroupDoc {
  return { ...doc, checkpoint: groupCheckpoint(doc.group) };
}

function entryOf(e: Pick<StoredEvent, 'position' | 'eventId' | 'eventType' | 'aggregateId'>, replay = false): PendingEvent {
  return {
    position: e.position,
    eventId: e.eventId,
    eventType: e.eventType,
    aggregateId: e.aggregateId,
    attempts: 0,
    state: 'ready',
    deliveryId: null,
    consumer: null,
    deadline: null,
    notBefore: null,
    lastError: null,
    replay,
  };
}

/** Room left for events read from the log (replayed events do not count against it). */
export function windowRoom(group: ConsumerGroupState): number {
  return Math.max(0, GROUP_WINDOW - group.pending.filter((p) => !p.replay).length);
}

/** The runner read the log from `scannedTo` to `to` and found `events` (the matching ones, in position order). */
export function appendScanned(doc: GroupDoc, from: number, events: readonly StoredEvent[], to: number): GroupDoc {
  // Someone moved the group (a reset, a filter change) since the read started: the read is void.
  if (doc.group.scannedTo !== from || to <= from) return doc;
  const known = new Set(doc.group.pending.map((p) => p.position));
  const added = events.filter((e) => e.position > from && e.position <= to && !known.has(e.position)).map((e) => entryOf(e));
  const pending = [...doc.group.pending, ...added].sort((a, b) => a.position - b.position);
  return withCheckpoint({ ...doc, group: { ...doc.group, pending, scannedTo: to } });
}

/** Delay before the next delivery of an event that failed `attempts` times (jittered in production, fixed in tests). */
export type Backoff = (attempts: number, settings: Pick<ConsumerGroupSettings, 'retryBaseMs' | 'retryMaxMs'>) => number;

function parkedOf(p: PendingEvent, error: string, now: number): ParkedEvent {
  return {
    eventId: p.eventId,
    eventType: p.eventType,
    aggregateId: p.aggregateId,
    position: p.position,
    error,
    attempts: p.attempts,
    parkedAt: new Date(now).toISOString(),
  };
}

/**
 * An event that failed (refused, or its delivery lapsed): retried after a backoff, or parked once it has had
 * `maxAttempts` deliveries. While the parked list is full nothing more is parked: the event is retried at the
 * longest backoff instead, so a group never drops an event it cannot record.
 */
function failed(
  doc: GroupDoc,
  p: PendingEvent,
  error: string,
  now: number,
  backoff: Backoff,
  parkNow: boolean,
): { entry: PendingEvent | null; parked: ParkedEvent | null } {
  const { maxAttempts, retryMaxMs } = doc.group.settings;
  if ((parkNow || p.attempts >= maxAttempts) && doc.parked.length < MAX_PARKED_KEPT) {
    return { entry: null, parked: parkedOf(p, error, now) };
  }
  const full = parkNow || p.attempts >= maxAttempts;
  return {
    entry: {
      ...p,
      state: 'retry',
      deadline: null,
      notBefore: now + (full ? retryMaxMs : backoff(p.attempts, doc.group.settings)),
      lastError: full ? `${error} (not parked: the parked list is full)` : error,
    },
    parked: null,
  };
}

const withParked = (doc: GroupDoc, parked: ParkedEvent[]): GroupDoc => withParkedEvents(doc, parked);

/** Lapses deliveries whose deadline has passed (retry or park). `changed` tells whether anything moved. */
export function settle(doc: GroupDoc, now: number, backoff: Backoff): { doc: GroupDoc; changed: boolean } {
  if (!doc.group.pending.some((p) => p.state === 'inflight' && (p.deadline ?? 0) <= now)) return { doc, changed: false };
  const pending: PendingEvent[] = [];
  const parked: ParkedEvent[] = [];
  let lapsed = 0;
  let current = doc;
  for (const p of doc.group.pending) {
    if (p.state !== 'inflight' || (p.deadline ?? 0) > now) {
      pending.push(p);
      continue;
    }
    lapsed++;
    const r = failed(current, p, `not acknowledged within ${doc.group.settings.ackTimeoutMs} ms`, now, backoff, false);
    if (r.entry) pending.push(r.entry);
    if (r.parked) {
      parked.push(r.parked);
      current = withParked(current, [r.parked]);
    }
  }
  const next = withParked({ ...doc, group: { ...doc.group, pending, lapsed: doc.group.lapsed + lapsed } }, parked);
  return { doc: withCheckpoint(next), changed: true };
}

/** Pending events that may be handed out now, at most `max`, oldest first: the first pending event of each aggregate. */
export function deliverable(group: ConsumerGroupState, max: number, now: number): PendingEvent[] {
  const out: PendingEvent[] = [];
  const seen = new Set<string>();
  for (const p of group.pending) {
    if (out.length >= max) break;
    if (seen.has(p.aggregateId)) continue;
    seen.add(p.aggregateId);
    if (p.state === 'ready' || (p.state === 'retry' && (p.notBefore ?? 0) <= now)) out.push(p);
  }
  return out;
}

function touchConsumer(
  consumers: Record<string, ConsumerStats>,
  consumer: string,
  now: number,
  change: Partial<Omit<ConsumerStats, 'lastSeenAt'>>,
): Record<string, ConsumerStats> {
  const before = consumers[consumer] ?? { lastSeenAt: '', delivered: 0, acked: 0, nacked: 0 };
  const updated: ConsumerStats = {
    lastSeenAt: new Date(now).toISOString(),
    delivered: before.delivered + (change.delivered ?? 0),
    acked: before.acked + (change.acked ?? 0),
    nacked: before.nacked + (change.nacked ?? 0),
  };
  const entries = Object.entries({ ...consumers, [consumer]: updated })
    .sort((a, b) => b[1].lastSeenAt.localeCompare(a[1].lastSeenAt))
    .slice(0, GROUP_CONSUMERS_KEPT);
  return Object.fromEntries(entries);
}

export interface Delivery {
  deliveryId: string;
  position: number;
  attempt: number;
  deadline: number;
}

/** Hands `picked` (from `deliverable`) to `consumer` until `now + ackTimeoutMs`; `ids` gives each delivery its id. */
export function deliver(
  doc: GroupDoc,
  picked: readonly PendingEvent[],
  consumer: string,
  now: number,
  newId: () => string,
): { doc: GroupDoc; deliveries: Delivery[] } {
  const wanted = new Set(picked.map((p) => p.position));
  const deadline = now + doc.group.settings.ackTimeoutMs;
  const deliveries: Delivery[] = [];
  let redelivered = 0;
  const pending = doc.group.pending.map((p) => {
    if (!wanted.has(p.position)) return p;
    if (p.attempts > 0) redelivered++;
    const d: PendingEvent = { ...p, state: 'inflight', attempts: p.attempts + 1, deliveryId: newId(), consumer, deadline, notBefore: null };
    deliveries.push({ deliveryId: d.deliveryId as string, position: d.position, attempt: d.attempts, deadline });
    return d;
  });
  const group: ConsumerGroupState = {
    ...doc.group,
    pending,
    delivered: doc.group.delivered + deliveries.length,
    redelivered: doc.group.redelivered + redelivered,
    consumers: touchConsumer(doc.group.consumers, consumer, now, { delivered: deliveries.length }),
  };
  return { doc: { ...doc, group }, deliveries };
}

/** Gives deliveries back without counting them (the consumer went away before it got them). */
export function undeliver(doc: GroupDoc, deliveryIds: readonly string[]): GroupDoc {
  const ids = new Set(deliveryIds);
  const pending = doc.group.pending.map((p) =>
    p.state === 'inflight' && p.deliveryId !== null && ids.has(p.deliveryId)
      ? {
          ...p,
          state: (p.attempts > 1 ? 'retry' : 'ready') as PendingState,
          attempts: p.attempts - 1,
          deliveryId: null,
          consumer: null,
          deadline: null,
          notBefore: null,
        }
      : p,
  );
  return { ...doc, group: { ...doc.group, pending, delivered: doc.group.delivered - ids.size } };
}

/** The delivery an id names, if it is still the latest delivery of its event (in flight, or lapsed and not yet handed out again). */
function current(group: ConsumerGroupState, deliveryId: string): PendingEvent | undefined {
  return group.pending.find((p) => p.deliveryId === deliveryId && (p.state === 'inflight' || p.state === 'retry'));
}

export function acknowledge(
  doc: GroupDoc,
  deliveryIds: readonly string[],
  consumer: string | null,
  now: number,
): { doc: GroupDoc; acked: string[]; stale: string[] } {
  const acked: string[] = [];
  const stale: string[] = [];
  const done = new Set<number>();
  for (const id of new Set(deliveryIds)) {
    const p = current(doc.group, id);
    if (p && !done.has(p.position)) {
      done.add(p.position);
      acked.push(id);
    } else stale.push(id);
  }
  if (acked.length === 0) return { doc, acked, stale };
  const group: ConsumerGroupState = {
    ...doc.group,
    pending: doc.group.pending.filter((p) => !done.has(p.position)),
    acked: doc.group.acked + acked.length,
    consumers: consumer ? touchConsumer(doc.group.consumers, consumer, now, { acked: acked.length }) : doc.group.consumers,
  };
  return { doc: withCheckpoint({ ...doc, group }), acked, stale };
}

export function refuse(
  doc: GroupDoc,
  deliveryIds: readonly string[],
  consumer: string | null,
  now: number,
  backoff: Backoff,
  options: { reason?: string; park?: boolean } = {},
): { doc: GroupDoc; retried: string[]; parked: string[]; stale: string[] } {
  const retried: string[] = [];
  const parkedIds: string[] = [];
  const stale: string[] = [];
  const byPosition = new Map<number, string>();
  for (const id of new Set(deliveryIds)) {
    const p = current(doc.group, id);
    if (p && p.state === 'inflight' && !byPosition.has(p.position)) byPosition.set(p.position, id);
    else stale.push(id);
  }
  if (byPosition.size === 0) return { doc, retried, parked: parkedIds, stale };
  const error = options.reason ? `refused: ${options.reason}` : 'refused by the consumer';
  let next: GroupDoc = doc;
  const pending: PendingEvent[] = [];
  for (const p of doc.group.pending) {
    const id = byPosition.get(p.position);
    if (id === undefined) {
      pending.push(p);
      continue;
    }
    const r = failed(next, p, error, now, backoff, options.park === true);
    if (r.entry) {
      pending.push(r.entry);
      retried.push(id);
    }
    if (r.parked) {
      next = withParked(next, [r.parked]);
      parkedIds.push(id);
    }
  }
  const group: ConsumerGroupState = {
    ...next.group,
    pending,
    nacked: next.group.nacked + byPosition.size,
    consumers: consumer ? touchConsumer(next.group.consumers, consumer, now, { nacked: byPosition.size }) : next.group.consumers,
  };
  return { doc: withCheckpoint({ ...next, group }), retried, parked: parkedIds, stale };
}

/** Puts a parked event back in front of the group, as a fresh event (attempts from zero). */
export function replayParked(doc: GroupDoc, eventId: string): GroupDoc | null {
  const parked = doc.parked.find((p) => p.eventId === eventId);
  if (!parked) return null;
  const pending = [...doc.group.pending.filter((p) => p.eventId !== eventId), entryOf(parked, true)].sort(
    (a, b) => a.position - b.position,
  );
  return withCheckpoint({ ...doc, parked: doc.parked.filter((p) => p.eventId !== eventId), group: { ...doc.group, pending } });
}

export function skipParked(doc: GroupDoc, eventId: string): GroupDoc | null {
  if (!doc.parked.some((p) => p.eventId === eventId)) return null;
  return { ...doc, parked: doc.parked.filter((p) => p.eventId !== eventId) };
}

/** Drops pending events that left the log (their stream hard-deleted, their retention expired): nothing to deliver. */
export function dropGone(doc: GroupDoc, positions: readonly number[]): GroupDoc {
  const gone = new Set(positions);
  return withCheckpoint({ ...doc, group: { ...doc.group, pending: doc.group.pending.filter((p) => !gone.has(p.position)) } });
}

/**
 * Moves the group to `position`: everything pending is dropped (deliveries in flight become stale) and the log is
 * read again from there. Parked events stay parked.
 */
export function moveTo(doc: GroupDoc, position: number): GroupDoc {
  return withCheckpoint({ ...doc, group: { ...doc.group, pending: doc.group.pending.filter((p) => p.replay), scannedTo: position } });
}

/** A new filter applies from the checkpoint on: what was read with the old one is read again. */
export function refilter(doc: GroupDoc, filter: LogFilter): GroupDoc {
  return moveTo({ ...doc, group: { ...doc.group, filter } }, doc.checkpoint);
}
