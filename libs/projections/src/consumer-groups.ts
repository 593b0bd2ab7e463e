import { randomUUID } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { sleep } from '@gyroscops/event-store/elasticsearch';
import type { EventStore, StoredEvent } from '@gyroscops/event-store';
import {
  groupKey,
  organizationKey,
  type AckOutcome,
  type ConsumerGroupSpec,
  type ConsumerGroupStatus,
  type FetchOptions,
  type GroupCaller,
  type GroupDelivery,
  type GroupRef,
  type NackOutcome,
  type ParkedList,
  type StartFrom,
} from './consumer-group.api';
import { initialState, stateDocId, withSummary, type ConsumerStateDoc } from './consumer-state';
import { ConsumerGroupNotFoundError, ParkedEventNotFoundError } from './consumer-group.errors';
import { GroupSupervisor } from './consumer-group-supervisor';
import { groupStatus } from './consumer-group-status';
import {
  acknowledge,
  DEFAULT_GROUP_SETTINGS,
  deliver,
  deliverable,
  isGroupDoc,
  moveTo,
  refilter,
  refuse,
  replayParked,
  settle,
  skipParked,
  undeliver,
  dropGone,
  type Backoff,
  type GroupDoc,
} from './consumer-group.state';
import { messageOf } from './es-support';
import { ChangeWaiters } from './change-waiters';
import { LogEventCache } from './log-event-cache';
import { normalizeFilter, sameFilter } from './log-filter';
import { ReadModelIndices } from './read-model-index';
import { newInstanceId, silentLogger, type ProjectionLogger, type RunnerEnv, type RunnerHostOptions } from './runner-env';
import { StateStore } from './state-store';
import { backoffMs, resolveTimings, type ProjectionTimings } from './timings';

/** Groups live in `<prefix>-projection-state`, beside the projections' and sagas' state. */
export interface ConsumerGroupsOptions extends RunnerHostOptions {
  /** How often an instance looks for groups created or deleted on other instances. */
  discoveryIntervalMs?: number;
  /** How often a waiting fetch re-reads the group's document (changes made on other instances). */
  fetchPollMs?: number;
  /** Events kept in memory for fetches (the runner's reads). */
  eventCacheSize?: number;
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
  private readonly logger: ProjectionLogger;
  private readonly events: LogEventCache;
  private readonly waiters = new ChangeWaiters();
  private readonly runners: GroupSupervisor;
  private readonly fetchPollMs: number;

  constructor(options: ConsumerGroupsOptions) {
    this.instanceId = options.instanceId ?? newInstanceId();
    this.timings = resolveTimings(options.timings);
    this.client = options.client;
    this.store = options.store;
    this.logger = options.logger ?? silentLogger;
    this.states = new StateStore(options.client, options.indexPrefix, options.numberOfReplicas ?? 0);
    this.events = new LogEventCache(options.store, options.eventCacheSize ?? 5000);
    this.fetchPollMs = options.fetchPollMs ?? 100;
    const env: RunnerEnv = {
      store: options.store,
      states: this.states,
      indices: new ReadModelIndices(options.client, options.indexPrefix, options.numberOfReplicas ?? 0),
      timings: this.timings,
      owner: this.instanceId,
      logger: this.logger,
      faults: {},
      onCheckpoint: () => undefined,
    };
    this.runners = new GroupSupervisor({
      client: options.client,
      store: options.store,
      states: this.states,
      env,
      logger: this.logger,
      backoff: groupBackoff,
      discoveryIntervalMs: options.discoveryIntervalMs ?? 5000,
      pollIntervalMs: this.timings.pollIntervalMs,
      remember: (events) => this.events.remember(events),
      changed: (key) => this.waiters.wake(key),
    });
  }

  /** Starts following every group (each only while this instance holds its lease), and keeps looking for new ones. */
  start(): void {
    this.runners.start();
  }

  /** Stops the runners after their current step and releases their leases (shutdown). */
  async stop(): Promise<void> {
    await this.runners.stop();
    this.waiters.wakeAll();
  }

  /** Stops dead, releasing nothing, as a crashed process would (tests). */
  kill(): void {
    this.runners.kill();
    this.waiters.wakeAll();
  }

  /** Something was appended: the runners this instance holds read the log now. */
  notify(): void {
    this.runners.notify();
  }

  /** Whether this instance follows the log for a group right now (tests, status). */
  isActive(ref: GroupRef): boolean {
    return this.runners.isActive(groupKey(ref));
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
        this.runners.startRunner(key);
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
    this.runners.wake(key);
    return { created: false, status: await this.status(ref, caller) };
  }

  /** Moves the group to a position: pending and in-flight events are dropped, the log is read again from there. */
  async move(ref: GroupRef, caller: GroupCaller, to: StartFrom): Promise<ConsumerGroupStatus> {
    const position = await this.startPosition(to);
    const moved = await this.change(ref, caller, (doc) => {
      const next = moveTo({ ...doc, group: { ...doc.group, updatedAt: new Date().toISOString() } }, position);
      return { doc: next, result: next };
    });
    this.runners.wake(groupKey(ref));
    // The group as moved (the runner may already be reading from there).
    return groupStatus(moved, await this.head(), Date.now());
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
    this.runners.forget(key);
    this.logger.log(`consumer group ${key}: deleted`);
  }

  async status(ref: GroupRef, caller: GroupCaller): Promise<ConsumerGroupStatus> {
    const [current, head] = await Promise.all([this.states.get(stateDocId('group', groupKey(ref))), this.head()]);
    return groupStatus(this.accessible(current?.doc, ref, caller), head, Date.now());
  }

  /** The groups of an organization the caller may use (admins: also the groups following every organization). */
  async list(caller: GroupCaller, organizationId = caller.organizationId): Promise<ConsumerGroupStatus[]> {
    if (organizationId !== caller.organizationId && !caller.isAdmin) return [];
    const ids = await this.runners.groupIds(`${organizationKey(organizationId)}/`);
    const [docs, head] = await Promise.all([this.states.mget(ids), this.head()]);
    const now = Date.now();
    return [...docs.values()]
      .filter(
        (d): d is GroupDoc => isGroupDoc(d) && d.group.organizationId === organizationId && (caller.isAdmin || !d.group.allOrganizations),
      )
      .map((d) => groupStatus(d, head, now))
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
    this.runners.wake(key);
    for (;;) {
      const current = await this.states.get(id);
      const doc = this.accessible(current?.doc, ref, caller);
      const now = Date.now();
      const settled = settle(doc, now, groupBackoff);
      const picked = deliverable(settled.doc.group, options.max, now);
      if (picked.length > 0 && current && !options.signal?.aborted) {
        const { events, gone } = await this.events.load(picked.map((p) => p.position));
        if (gone.length > 0) {
          // Events that left the log since the group read them (a hard delete, expired telemetry): nothing to deliver.
          await this.states.replace(id, withSummary(dropGone(settled.doc, gone)), current.seqNo, current.primaryTerm);
          continue;
        }
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
      if (now >= until || options.signal?.aborted || this.runners.isClosed) return { deliveries: [], position: settled.doc.checkpoint };
      await this.waiters.changed(key, Math.min(until - now, this.fetchPollMs), options.signal);
    }
  }

  async ack(ref: GroupRef, caller: GroupCaller, deliveryIds: readonly string[], consumer: string | null = null): Promise<AckOutcome> {
    const now = Date.now();
    const key = groupKey(ref);
    const r = await this.change(ref, caller, (doc) => {
      const out = acknowledge(doc, deliveryIds, consumer, now);
      return { doc: out.acked.length > 0 ? settle(out.doc, now, groupBackoff).doc : null, result: out };
    });
    if (r.acked.length > 0) this.runners.wake(key);
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
    this.runners.wake(key);
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
    this.runners.wake(groupKey(ref));
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
    this.waiters.wake(key);
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
}

/** Exponential backoff with jitter, from the group's settings (the same function sagas and projections use). */
const groupBackoff: Backoff = (attempts, settings) => backoffMs(attempts, settings);

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
