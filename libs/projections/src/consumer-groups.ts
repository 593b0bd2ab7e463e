import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Client } from '@elastic/elasticsearch';
import type { EventStore, StoredEvent } from '@gyroscops/event-store';
import { initialState, stateDocId, withSummary, type ConsumerStateDoc, type ParkedEvent } from './consumer-state';
import { ConsumerGroupNotFoundError, ParkedEventNotFoundError } from './consumer-group.errors';
import { ConsumerGroupRunner } from './consumer-group-runner';
import {
  acknowledge,
  DEFAULT_GROUP_SETTINGS,
  deliver,
  deliverable,
  groupCounts,
  isGroupDoc,
  moveTo,
  refilter,
  refuse,
  replayParked,
  sameFilter,
  settle,
  skipParked,
  undeliver,
  type Backoff,
  type ConsumerGroupSettings,
  type ConsumerGroupState,
  type GroupDoc,
} from './consumer-group.state';
import { setTimeout as sleep } from 'node:timers/promises';
import { messageOf } from './es-support';
import type { LogFilter } from './log-filter';
import { ReadModelIndices } from './read-model-index';
import type { ProjectionLogger, RunnerEnv } from './runner-env';
import { StateStore } from './state-store';
import { backoffMs, resolveTimings, type ProjectionTimings } from './timings';

export type StartFrom = 'beginning' | 'end' | number;

export interface ConsumerGroupSpec {
  filter: LogFilter;
  settings?: Partial<ConsumerGroupSettings>;
  /** Where a new group starts (default `beginning`); an existing group keeps its position (see `move`). */
  startFrom?: StartFrom;
}

/** Who calls: the caller's organization, and whether it is an admin (admins may address any organization's groups). */
export interface GroupCaller {
  organizationId: string;
  isAdmin: boolean;
}

/** A group is named within an organization. */
export interface GroupRef {
  organizationId: string;
  name: string;
}

export interface ConsumerGroupStatus {
  name: string;
  organizationId: string;
  allOrganizations: boolean;
  filter: { eventTypes: string[]; aggregateType: string | null; aggregateIdPrefix: string | null };
  settings: ConsumerGroupSettings;
  /** Checkpoint: every event up to this position is acknowledged, filtered out, parked or skipped. */
  position: number;
  headPosition: number;
  lag: number;
  /** Matching events after the checkpoint the group has read from the log. */
  pending: number;
  ready: number;
  inFlight: number;
  retrying: number;
  parkedCount: number;
  delivered: number;
  redelivered: number;
  acked: number;
  nacked: number;
  lapsed: number;
  consumers: { consumer: string; lastSeenAt: string; inFlight: number; delivered: number; acked: number; nacked: number }[];
  /** Whether an instance is following the log for the group (holds its lease). */
  state: 'running' | 'stopped';
  owner: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface GroupDelivery {
  /** Acknowledge (or refuse) the event with this id. */
  deliveryId: string;
  /** 1 on the first delivery of this event. */
  attempt: number;
  deliveredAt: string;
  /** After it, the delivery lapses and the event may go to another consumer. */
  deadline: string;
  event: StoredEvent;
}

export interface FetchOptions {
  consumer: string;
  max: number;
  /** Longest wait for an event when none is deliverable at once. */
  waitMs: number;
  /** The consumer went away: stop waiting, and give back what it would have been handed. */
  signal?: AbortSignal;
}

export interface AckOutcome {
  acked: string[];
  /** Unknown, or no longer the latest delivery of its event (lapsed and handed to someone else, group moved). */
  stale: string[];
  at: string;
}

export interface NackOutcome {
  retried: string[];
  parked: string[];
  stale: string[];
  at: string;
}

export interface ParkedList {
  parked: ParkedEvent[];
  parkedCount: number;
}

export interface ConsumerGroupsOptions {
  client: Client;
  store: EventStore;
  /** Same prefix as the event store and projections: groups live in `<prefix>-projection-state`. */
  indexPrefix: string;
  numberOfReplicas?: number;
  timings?: Partial<ProjectionTimings>;
  instanceId?: string;
  logger?: ProjectionLogger;
  /** How often an instance looks for groups created or deleted on other instances. */
  discoveryIntervalMs?: number;
  /** How often a waiting fetch re-reads the group's document (changes made on other instances). */
  fetchPollMs?: number;
  /** Events kept in memory for fetches (the runner's reads). */
  eventCacheSize?: number;
}

export const GROUP_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const CONSUMER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

const silentLogger: ProjectionLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * The group a caller means: its own organization's, or (admins only) another one's. Unknown to others.
 */
export function groupRef(caller: GroupCaller, name: string, organizationId?: string): GroupRef {
  if (organizationId !== undefined && organizationId !== caller.organizationId && !caller.isAdmin) {
    throw new ConsumerGroupNotFoundError(name);
  }
  return { organizationId: organizationId ?? caller.organizationId, name };
}

/** The organization as part of a document id (ids are at most 512 bytes; organization ids may be 512 characters). */
function organizationKey(organizationId: string): string {
  const encoded = encodeURIComponent(organizationId);
  return encoded.length <= 200 ? encoded : `sha256-${createHash('sha256').update(organizationId).digest('hex')}`;
}

function groupKey(ref: GroupRef): string {
  return `${organizationKey(ref.organizationId)}/${ref.name}`;
}

/**
 * Durable consumer groups (persistent subscriptions) over the global log, for other services: each group has a
 * filter, a checkpoint held here, and a list of pending events that consumers fetch (long poll), acknowledge or
 * refuse. Built from the saga machinery: the same state document (checkpoint, lease, parked events), the same
 * lease-holding runner to follow the log (ConsumerGroupRunner), the same backoff and parking. Every instance can
 * serve every group: fetches and acknowledgements are compare-and-set writes of the group's document.
 */
export class ConsumerGroups {
  readonly instanceId: string;
  readonly timings: ProjectionTimings;
  private readonly client: Client;
  private readonly store: EventStore;
  private readonly states: StateStore;
  private readonly env: RunnerEnv;
  private readonly logger: ProjectionLogger;
  private readonly runners = new Map<string, { runner: ConsumerGroupRunner; startedAt: number }>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly cache = new Map<number, StoredEvent>();
  private readonly cacheSize: number;
  private readonly discoveryIntervalMs: number;
  private readonly fetchPollMs: number;
  private discoveryTimer: NodeJS.Timeout | null = null;
  private headTimer: NodeJS.Timeout | null = null;
  private polling = false;
  private started = false;
  private closed = false;

  constructor(options: ConsumerGroupsOptions) {
    this.instanceId = options.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.timings = resolveTimings(options.timings);
    this.client = options.client;
    this.store = options.store;
    this.logger = options.logger ?? silentLogger;
    this.states = new StateStore(options.client, options.indexPrefix, options.numberOfReplicas ?? 0);
    this.cacheSize = options.eventCacheSize ?? 5000;
    this.discoveryIntervalMs = options.discoveryIntervalMs ?? 5000;
    this.fetchPollMs = options.fetchPollMs ?? 100;
    this.env = {
      store: options.store,
      states: this.states,
      indices: new ReadModelIndices(options.client, options.indexPrefix, options.numberOfReplicas ?? 0),
      timings: this.timings,
      owner: this.instanceId,
      logger: this.logger,
      faults: {},
      onCheckpoint: () => undefined,
    };
  }

  /** Starts following every group (each only while this instance holds its lease), and keeps looking for new ones. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    void this.discover();
    this.discoveryTimer = setInterval(() => void this.discover(), this.discoveryIntervalMs);
    this.discoveryTimer.unref();
    this.headTimer = setInterval(() => void this.pollHead(), this.timings.pollIntervalMs);
    this.headTimer.unref();
  }

  /** Stops the runners after their current step and releases their leases (shutdown). */
  async stop(): Promise<void> {
    this.closed = true;
    this.clearTimers();
    await Promise.all([...this.runners.values()].map(({ runner }) => runner.stop().catch(() => undefined)));
    this.runners.clear();
    this.wakeAll();
  }

  /** Stops dead, releasing nothing, as a crashed process would (tests). */
  kill(): void {
    this.closed = true;
    this.clearTimers();
    for (const { runner } of this.runners.values()) runner.kill();
    this.runners.clear();
    this.wakeAll();
  }

  /** Something was appended: the runners this instance holds read the log now. */
  notify(): void {
    for (const { runner } of this.runners.values()) if (runner.isActive()) runner.wake();
  }

  /** Whether this instance follows the log for a group right now (tests, status). */
  isActive(ref: GroupRef): boolean {
    return this.runners.get(groupKey(ref))?.runner.isActive() ?? false;
  }

  // ------------------------------------------------------------------ administration

  /** Creates the group, or updates its filter and settings. A changed filter applies from the checkpoint on. */
  async upsert(ref: GroupRef, caller: GroupCaller, spec: ConsumerGroupSpec): Promise<{ created: boolean; status: ConsumerGroupStatus }> {
    await this.states.ensureIndex();
    const key = groupKey(ref);
    const id = stateDocId('group', key);
    const filter = normalizeFilter(spec.filter);
    for (let attempt = 0; attempt < 5; attempt++) {
      const existing = await this.states.get(id);
      if (!existing) {
        const position = await this.startPosition(spec.startFrom ?? 'beginning');
        const now = new Date().toISOString();
        const doc: GroupDoc = {
          ...initialState('group', key, 1, position),
          group: {
            organizationId: ref.organizationId,
            allOrganizations: caller.isAdmin && ref.organizationId === caller.organizationId,
            filter,
            settings: { ...DEFAULT_GROUP_SETTINGS, ...definedOnly(spec.settings ?? {}) },
            createdAt: now,
            updatedAt: now,
            scannedTo: position,
            pending: [],
            consumers: {},
            delivered: 0,
            redelivered: 0,
            acked: 0,
            nacked: 0,
            lapsed: 0,
          },
        };
        if (!(await this.states.create(id, withSummary(doc)))) continue;
        this.logger.log(`consumer group ${key}: created at position ${position}`);
        this.startRunner(key);
        return { created: true, status: await this.status(ref, caller) };
      }
      this.accessible(existing.doc, ref, caller);
      break;
    }
    await this.change(ref, caller, (doc) => {
      const settings = { ...doc.group.settings, ...definedOnly(spec.settings ?? {}) };
      const filterChanged = !sameFilter(doc.group.filter, filter);
      const settingsChanged = JSON.stringify(settings) !== JSON.stringify(doc.group.settings);
      if (!filterChanged && !settingsChanged) return { doc: null, result: undefined };
      const base: GroupDoc = { ...doc, group: { ...doc.group, settings, updatedAt: new Date().toISOString() } };
      return { doc: filterChanged ? refilter(base, filter) : base, result: undefined };
    });
    this.wakeRunner(key);
    return { created: false, status: await this.status(ref, caller) };
  }

  /** Moves the group to a position: pending and in-flight events are dropped, the log is read again from there. */
  async move(ref: GroupRef, caller: GroupCaller, to: StartFrom): Promise<ConsumerGroupStatus> {
    const position = await this.startPosition(to);
    const moved = await this.change(ref, caller, (doc) => {
      const next = moveTo({ ...doc, group: { ...doc.group, updatedAt: new Date().toISOString() } }, position);
      return { doc: next, result: next };
    });
    this.wakeRunner(groupKey(ref));
    // The group as moved (the runner may already be reading from there).
    return statusOf(moved, await this.head(), Date.now());
  }

  async remove(ref: GroupRef, caller: GroupCaller): Promise<void> {
    const key = groupKey(ref);
    const id = stateDocId('group', key);
    const existing = await this.states.get(id);
    this.accessible(existing?.doc, ref, caller);
    try {
      await this.client.delete({ index: this.states.index, id, refresh: 'wait_for' });
    } catch (e) {
      if ((e as { meta?: { statusCode?: number } }).meta?.statusCode !== 404) throw e;
    }
    const local = this.runners.get(key);
    this.runners.delete(key);
    local?.runner.kill();
    this.logger.log(`consumer group ${key}: deleted`);
  }

  async status(ref: GroupRef, caller: GroupCaller): Promise<ConsumerGroupStatus> {
    const [current, head] = await Promise.all([this.states.get(stateDocId('group', groupKey(ref))), this.head()]);
    return statusOf(this.accessible(current?.doc, ref, caller), head, Date.now());
  }

  /** The groups of an organization the caller may use (admins: also the groups following every organization). */
  async list(caller: GroupCaller, organizationId = caller.organizationId): Promise<ConsumerGroupStatus[]> {
    if (organizationId !== caller.organizationId && !caller.isAdmin) return [];
    const ids = await this.groupIds(`${organizationKey(organizationId)}/`);
    const [docs, head] = await Promise.all([this.states.mget(ids), this.head()]);
    const now = Date.now();
    return [...docs.values()]
      .filter(
        (d): d is GroupDoc => isGroupDoc(d) && d.group.organizationId === organizationId && (caller.isAdmin || !d.group.allOrganizations),
      )
      .map((d) => statusOf(d, head, now))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  // ------------------------------------------------------------------ consuming

  /**
   * Hands the consumer up to `max` deliverable events (the first pending event of each aggregate that is not in
   * flight), waiting up to `waitMs` for one. Each stays the consumer's until acknowledged, refused, or its deadline.
   */
  async fetch(ref: GroupRef, caller: GroupCaller, options: FetchOptions): Promise<{ deliveries: GroupDelivery[]; position: number }> {
    const key = groupKey(ref);
    const id = stateDocId('group', key);
    const until = Date.now() + options.waitMs;
    this.wakeRunner(key);
    for (;;) {
      const current = await this.states.get(id);
      const doc = this.accessible(current?.doc, ref, caller);
      const now = Date.now();
      const settled = settle(doc, now, groupBackoff);
      const picked = deliverable(settled.doc.group, options.max, now);
      if (picked.length > 0 && current && !options.signal?.aborted) {
        const events = await this.load(picked.map((p) => p.position));
        const { doc: next, deliveries } = deliver(settled.doc, picked, options.consumer, now, randomUUID);
        if (!(await this.states.replace(id, withSummary(next), current.seqNo, current.primaryTerm))) {
          // Someone else changed the group (another fetch took some of these): choose again.
          await sleep(Math.random() * 10);
          continue;
        }
        if (options.signal?.aborted) {
          await this.giveBack(
            ref,
            caller,
            deliveries.map((d) => d.deliveryId),
          );
          return { deliveries: [], position: next.checkpoint };
        }
        return {
          position: next.checkpoint,
          deliveries: deliveries.map((d) => ({
            deliveryId: d.deliveryId,
            attempt: d.attempt,
            deliveredAt: new Date(now).toISOString(),
            deadline: new Date(d.deadline).toISOString(),
            event: events.get(d.position) as StoredEvent,
          })),
        };
      }
      if (settled.changed && current) await this.states.replace(id, withSummary(settled.doc), current.seqNo, current.primaryTerm);
      if (now >= until || options.signal?.aborted || this.closed) return { deliveries: [], position: settled.doc.checkpoint };
      await this.changed(key, Math.min(until - now, this.fetchPollMs), options.signal);
    }
  }

  async ack(ref: GroupRef, caller: GroupCaller, deliveryIds: readonly string[], consumer: string | null = null): Promise<AckOutcome> {
    const now = Date.now();
    const key = groupKey(ref);
    const r = await this.change(ref, caller, (doc) => {
      const out = acknowledge(doc, deliveryIds, consumer, now);
      return { doc: out.acked.length > 0 ? settle(out.doc, now, groupBackoff).doc : null, result: out };
    });
    if (r.acked.length > 0) this.wakeRunner(key);
    return { acked: r.acked, stale: r.stale, at: new Date(now).toISOString() };
  }

  async nack(
    ref: GroupRef,
    caller: GroupCaller,
    deliveryIds: readonly string[],
    options: { consumer?: string | null; reason?: string; park?: boolean } = {},
  ): Promise<NackOutcome> {
    const now = Date.now();
    const key = groupKey(ref);
    const r = await this.change(ref, caller, (doc) => {
      const out = refuse(doc, deliveryIds, options.consumer ?? null, now, groupBackoff, options);
      return { doc: out.stale.length === deliveryIds.length ? null : out.doc, result: out };
    });
    this.wakeRunner(key);
    return { retried: r.retried, parked: r.parked, stale: r.stale, at: new Date(now).toISOString() };
  }

  // ------------------------------------------------------------------ parked events

  async parked(ref: GroupRef, caller: GroupCaller): Promise<ParkedList> {
    const current = await this.states.get(stateDocId('group', groupKey(ref)));
    const doc = this.accessible(current?.doc, ref, caller);
    return { parked: [...doc.parked].reverse(), parkedCount: doc.parkedCount };
  }

  /** Puts a parked event back at the front of the group, to be delivered again from its first attempt. */
  async replayParked(ref: GroupRef, caller: GroupCaller, eventId: string): Promise<void> {
    const found = await this.change(ref, caller, (doc) => {
      const next = replayParked(doc, eventId);
      return { doc: next, result: next !== null };
    });
    if (!found) throw new ParkedEventNotFoundError(`consumer group ${ref.name}`, eventId);
    this.wakeRunner(groupKey(ref));
  }

  /** Gives up on a parked event: it leaves the parked list, never delivered again. */
  async skipParked(ref: GroupRef, caller: GroupCaller, eventId: string): Promise<void> {
    const found = await this.change(ref, caller, (doc) => {
      const next = skipParked(doc, eventId);
      return { doc: next, result: next !== null };
    });
    if (!found) throw new ParkedEventNotFoundError(`consumer group ${ref.name}`, eventId);
  }

  // ------------------------------------------------------------------ internals

  /** The group's document, if the caller may use it; otherwise NotFound, exactly as for an unknown group. */
  private accessible(doc: ConsumerStateDoc | null | undefined, ref: GroupRef, caller: GroupCaller): GroupDoc {
    if (!isGroupDoc(doc) || doc.group.organizationId !== ref.organizationId) throw new ConsumerGroupNotFoundError(ref.name);
    if (ref.organizationId !== caller.organizationId && !caller.isAdmin) throw new ConsumerGroupNotFoundError(ref.name);
    if (doc.group.allOrganizations && !caller.isAdmin) throw new ConsumerGroupNotFoundError(ref.name);
    return doc;
  }

  private async change<R>(ref: GroupRef, caller: GroupCaller, change: (doc: GroupDoc) => { doc: GroupDoc | null; result: R }): Promise<R> {
    const key = groupKey(ref);
    const outcome = await this.states.change(stateDocId('group', key), (d) => {
      const r = change(this.accessible(d, ref, caller));
      return { doc: r.doc ? withSummary(r.doc) : null, result: r.result };
    });
    if (!outcome) throw new ConsumerGroupNotFoundError(ref.name);
    this.wake(key);
    return outcome.result;
  }

  private async giveBack(ref: GroupRef, caller: GroupCaller, deliveryIds: string[]): Promise<void> {
    await this.change(ref, caller, (doc) => ({ doc: undeliver(doc, deliveryIds), result: undefined })).catch((e: unknown) =>
      this.logger.warn(`consumer group ${groupKey(ref)}: could not give back ${deliveryIds.length} deliveries: ${messageOf(e)}`),
    );
  }

  private async startPosition(from: StartFrom): Promise<number> {
    if (from === 'beginning') return 0;
    if (from === 'end') return this.store.headPosition();
    return from;
  }

  private async head(): Promise<number | null> {
    return this.store.headPosition().catch(() => null);
  }

  /** Events by position: from memory, else from the log (a span of up to 512 positions per read). */
  private async load(positions: number[]): Promise<Map<number, StoredEvent>> {
    const out = new Map<number, StoredEvent>();
    const missing: number[] = [];
    for (const p of positions) {
      const e = this.cache.get(p);
      if (e) out.set(p, e);
      else missing.push(p);
    }
    missing.sort((a, b) => a - b);
    while (missing.length > 0) {
      const first = missing[0];
      const span = missing.filter((p) => p < first + 512);
      const last = span[span.length - 1];
      const slice = await this.store.readAll({ after: first - 1, maxCount: last - first + 1 });
      this.remember(slice.events);
      for (const e of slice.events) if (span.includes(e.position)) out.set(e.position, e);
      const left = missing.filter((p) => !out.has(p));
      if (left.length === missing.length) throw new Error(`event at position ${first} could not be read from the log`);
      missing.splice(0, missing.length, ...left);
    }
    return out;
  }

  private remember(events: readonly StoredEvent[]): void {
    for (const e of events) {
      this.cache.delete(e.position);
      this.cache.set(e.position, e);
    }
    while (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as number);
  }

  private startRunner(key: string): void {
    if (!this.started || this.closed || this.runners.has(key)) return;
    const runner = new ConsumerGroupRunner(this.env, key, {
      backoff: groupBackoff,
      remember: (events) => this.remember(events),
      changed: (k) => this.wake(k),
    });
    this.runners.set(key, { runner, startedAt: Date.now() });
    runner.start();
  }

  private wakeRunner(key: string): void {
    this.runners.get(key)?.runner.wake();
  }

  private async groupIds(prefix = ''): Promise<string[]> {
    await this.states.ensureIndex();
    if (prefix) await this.client.indices.refresh({ index: this.states.index });
    const r = await this.client.search({
      index: this.states.index,
      size: 10_000,
      _source: false,
      query: {
        bool: { filter: [{ term: { kind: 'group' } }, ...(prefix ? [{ prefix: { name: prefix } }] : [])] },
      },
    });
    return r.hits.hits.map((h) => h._id as string);
  }

  /** Starts runners for groups created elsewhere, stops those of groups deleted elsewhere. */
  private async discover(): Promise<void> {
    if (this.closed) return;
    try {
      const ids = await this.groupIds();
      const keys = new Set(ids.map((id) => id.slice('group:'.length)));
      for (const key of keys) this.startRunner(key);
      for (const [key, { runner, startedAt }] of this.runners) {
        // Search lags writes by a refresh: a group created here a moment ago may not be listed yet.
        if (keys.has(key) || runner.isActive() || Date.now() - startedAt < 2 * this.discoveryIntervalMs) continue;
        this.runners.delete(key);
        void runner.stop();
      }
    } catch (e) {
      this.logger.warn(`consumer groups: discovery failed: ${messageOf(e)}`);
    }
  }

  private async pollHead(): Promise<void> {
    if (this.polling) return;
    const active = [...this.runners.values()].map((r) => r.runner).filter((r) => r.isActive());
    if (active.length === 0) return;
    this.polling = true;
    try {
      const head = await this.store.headPosition();
      for (const r of active) {
        const cursor = r.cursor();
        if (cursor !== null && cursor < head) r.wake();
      }
    } catch (e) {
      this.logger.warn(`consumer groups: head poll failed: ${messageOf(e)}`);
    } finally {
      this.polling = false;
    }
  }

  /** Wakes fetches of this instance waiting on the group. */
  private wake(key: string): void {
    const set = this.waiters.get(key);
    if (set) for (const w of [...set]) w();
  }

  private wakeAll(): void {
    for (const key of this.waiters.keys()) this.wake(key);
  }

  private changed(key: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(key);
      if (!set) this.waiters.set(key, (set = new Set()));
      const waiters = set;
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        waiters.delete(done);
        if (waiters.size === 0 && this.waiters.get(key) === waiters) this.waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done);
      waiters.add(done);
    });
  }

  private clearTimers(): void {
    if (this.discoveryTimer) clearInterval(this.discoveryTimer);
    if (this.headTimer) clearInterval(this.headTimer);
    this.discoveryTimer = null;
    this.headTimer = null;
  }
}

/** Exponential backoff with jitter, from the group's settings (the same function sagas and projections use). */
const groupBackoff: Backoff = (attempts, settings) => backoffMs(attempts, settings);

function normalizeFilter(filter: LogFilter): LogFilter {
  const out: LogFilter = {};
  if (filter.eventTypes && filter.eventTypes.length > 0) out.eventTypes = [...new Set(filter.eventTypes)].sort();
  if (filter.aggregateType !== undefined) out.aggregateType = filter.aggregateType;
  if (filter.aggregateIdPrefix !== undefined) out.aggregateIdPrefix = filter.aggregateIdPrefix;
  return out;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function statusOf(doc: GroupDoc, head: number | null, now: number): ConsumerGroupStatus {
  const g: ConsumerGroupState = doc.group;
  const counts = groupCounts(g, now);
  const headPosition = Math.max(head ?? 0, doc.headPosition, doc.checkpoint);
  const leaseLive = !!doc.owner && doc.leaseExpiresAt > now;
  const inFlightBy = new Map<string, number>();
  for (const p of g.pending) {
    if (p.state === 'inflight' && (p.deadline ?? 0) > now && p.consumer) inFlightBy.set(p.consumer, (inFlightBy.get(p.consumer) ?? 0) + 1);
  }
  const slash = doc.name.indexOf('/');
  return {
    name: doc.name.slice(slash + 1),
    organizationId: g.organizationId,
    allOrganizations: g.allOrganizations,
    filter: {
      eventTypes: [...(g.filter.eventTypes ?? [])],
      aggregateType: g.filter.aggregateType ?? null,
      aggregateIdPrefix: g.filter.aggregateIdPrefix ?? null,
    },
    settings: { ...g.settings },
    position: doc.checkpoint,
    headPosition,
    lag: Math.max(0, headPosition - doc.checkpoint),
    ...counts,
    parkedCount: doc.parkedCount,
    delivered: g.delivered,
    redelivered: g.redelivered,
    acked: g.acked,
    nacked: g.nacked,
    lapsed: g.lapsed,
    consumers: Object.entries(g.consumers).map(([consumer, c]) => ({ consumer, ...c, inFlight: inFlightBy.get(consumer) ?? 0 })),
    state: leaseLive ? 'running' : 'stopped',
    owner: leaseLive ? doc.owner : null,
    createdAt: g.createdAt,
    updatedAt: g.updatedAt,
  };
}
