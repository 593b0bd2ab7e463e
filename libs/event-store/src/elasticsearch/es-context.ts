import { AsyncLocalStorage } from 'node:async_hooks';
import { errors, type Client, type estypes, type TransportRequestOptions } from '@elastic/elasticsearch';
import type { ReadScope } from '../event-store.port';
import type { TelemetryRetention } from '../telemetry-retention';
import type { UpcasterRegistry } from '../upcasting';
import type { EventsIndexLayout } from './es-events-layout';
import type { IndexNames } from './es-indices';
import type { SearchFieldDeclarations } from './es-search-fields';
import type { StoreObserver } from '../store-observer';

export interface StoreLogger {
  warn(message: string): void;
  error(message: string): void;
  log?(message: string): void;
}

/** What every part of the Elasticsearch adapter shares: the client, the index names and the protocol's timings. */
export interface EsContext {
  client: Client;
  names: IndexNames;
  /** The events index's shards and routing: every get, mget, write and delete of an event document passes its routing. */
  eventsLayout: EventsIndexLayout;
  decl: SearchFieldDeclarations;
  upcasters: UpcasterRegistry;
  logger?: StoreLogger;
  /** How long a writer's claim on a stream (or on an event id) lasts before others may resolve it. */
  leaseMs: number;
  /** How long a global-log reader waits on an allocated, uncommitted position before fencing it off. */
  gapTimeoutMs: number;
  /** Source of event timestamps; the system clock by default. */
  clock?: () => Date;
  /** Metrics hooks; no-op unless the store was given an observer. */
  observer: StoreObserver;
  /** Event types whose events expire for readers past an age (store option `telemetryRetention`). */
  telemetry?: TelemetryRetention;
}

/** What reads and scavenging take as now: the store's clock when it has one (time-based tests), else the system's. */
export function nowOf(ctx: Pick<EsContext, 'clock'>): number {
  return ctx.clock ? ctx.clock().getTime() : Date.now();
}

/**
 * Waits on the global `setTimeout`, on purpose not `node:timers/promises`: the correctness harness runs the store on
 * virtual time by replacing the global timers (npm run torture: 223 of 300 seeds deadlocked with the promise timer).
 */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function canRead(scope: ReadScope, organizationId: string): boolean {
  return scope.isAdmin || scope.organizationId === organizationId;
}

/** One `_bulk` of (action, document) pairs; the item answered for each pair, in order. */
export async function bulkPairs(
  client: Client,
  ops: estypes.BulkOperationContainer[],
  docs: unknown[],
): Promise<(estypes.BulkResponseItem | undefined)[]> {
  if (ops.length === 0) return [];
  const operations: unknown[] = [];
  ops.forEach((op, i) => operations.push(op, docs[i]));
  const r = await client.bulk({ operations });
  return r.items.map((it) => Object.values(it)[0]);
}

const requestDeadline = new AsyncLocalStorage<number>();
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs `fn` with every request it makes through a `deadlineBound` client bounded by `deadline` (epoch ms): the
 * caller stops waiting when the deadline passes. The commit protocol runs each batch so, so an append answers by its
 * deadline when Elasticsearch hangs, instead of after the client's timeouts and retries (30 s × 4 in the service).
 */
export function withRequestDeadline<T>(deadline: number, fn: () => Promise<T>): Promise<T> {
  return requestDeadline.run(deadline, fn);
}

/** How long clean-up requests may run past the deadline of the appends they followed. */
const CLEANUP_GRACE_MS = 2000;

/**
 * Clean-up that follows an append's answer (fencing positions nobody will commit, giving leases back, finalising
 * heads) gets a short grace past the deadline: best effort, since readers fence and writers recover what it misses.
 */
export function cleanupWithin<T>(deadline: number, fn: () => Promise<T>): Promise<T> {
  return withRequestDeadline(Math.max(deadline, Date.now()) + CLEANUP_GRACE_MS, fn);
}

/** The request methods the store's write and read paths use; namespaced APIs (indices, cluster) are never bounded. */
const BOUNDED_METHODS = new Set(['bulk', 'get', 'mget', 'index', 'create', 'update', 'delete', 'search', 'count', 'msearch']);

/**
 * The client, with each request made inside `withRequestDeadline` bounded by that deadline: an abort signal over all
 * its attempts fires when the deadline passes, and the caller gets a `RequestAbortedError` ("unavailable" before a
 * commit, "unknown" at it; the connection that carried it is closed, so no late answer is read as another's).
 * Outside such a scope the client is unchanged.
 */
export function deadlineBound(client: Client): Client {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop !== 'string' || !BOUNDED_METHODS.has(prop) || typeof value !== 'function') return value;
      const method = value as (params: unknown, options?: TransportRequestOptions) => Promise<unknown>;
      return (params: unknown, options: TransportRequestOptions = {}) => {
        const deadline = requestDeadline.getStore();
        if (deadline === undefined) return method.call(target, params, options);
        const left = deadline - Date.now();
        if (left <= 0) return Promise.reject(new errors.RequestAbortedError(`the deadline passed before ${prop} was sent`));
        // Timers hold 32-bit delays; a deadline further away than that bounds nothing worth a signal.
        if (left > MAX_TIMER_MS) return method.call(target, params, options);
        // A plain abort, not AbortSignal.timeout: the client reads the latter's TimeoutError as a connection error and
        // retries after its backoff (seen answering 1.1-1.7 s past the deadline), the retry refused only then.
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), left);
        const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
        return method.call(target, params, { ...options, signal }).finally(() => clearTimeout(timer));
      };
    },
  });
}
