import { randomUUID } from 'node:crypto';
import { backoffDelay, sleep, type BackoffOptions } from './backoff';
import { consume, type ConsumeOptions, type ConsumeStats } from './consumer';
import { errorFromResponse, EventStoreClientError, NetworkError, OutcomeUnknownError, RateLimitedError, UnavailableError } from './errors';
import { LogSubscription, type FollowLogOptions } from './log-subscription';
import type {
  AckResult,
  AppendRequest,
  AppendResult,
  ConsumerGroupSpec,
  ConsumerGroupStatus,
  EventPage,
  FetchOptions,
  FetchResult,
  GroupScope,
  JsonObject,
  LogFilter,
  LogPage,
  NackResult,
  ParkedList,
  PutConsumerGroupResult,
  ReadLogOptions,
  ReadStreamOptions,
  SearchQuery,
  StartFrom,
  StoredEvent,
  StreamSlice,
} from './types';

export type FetchFunction = typeof fetch;

export interface RetryOptions extends BackoffOptions {
  /** Tries of one request in all (1: no retry). */
  attempts?: number;
}

export interface EventStoreClientOptions {
  /** The service's base URL, e.g. `https://events.internal:3000`. */
  baseUrl: string;
  /** A bearer token (JWT), or a function giving the current one (called for every request, so it may refresh). */
  token: string | (() => string | Promise<string>);
  /** Longest wait for one answer (ms, default 30000); long polls add their own wait. */
  timeoutMs?: number;
  /** Retries of requests that may succeed later (default: 5 tries, 200 ms doubling up to 5 s). */
  retry?: RetryOptions;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** The fetch to use (default: the global one of Node 20+). */
  fetch?: FetchFunction;
}

type QueryValue = string | number | boolean | readonly string[] | undefined;

/** How a request may be repeated after a failure that may be transient. */
type RetryMode =
  /** Not repeated. */
  | 'none'
  /** Repeating it is harmless (reads, acknowledgements, long polls). */
  | 'safe'
  /** An append whose events all carry ids: a repeat records them at most once; a lost answer leaves the outcome unknown. */
  | 'append';

interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  headers?: Record<string, string>;
  retry: RetryMode;
  signal?: AbortSignal;
  /** Added to the client's timeout (long polls). */
  extraTimeoutMs?: number;
}

interface Answer<T> {
  status: number;
  body: T;
}

const enc = encodeURIComponent;

function logFilterQuery(f: LogFilter): Record<string, QueryValue> {
  return { eventType: f.eventTypes, aggregateType: f.aggregateType, aggregateIdPrefix: f.aggregateIdPrefix };
}

/**
 * A typed client of the Gyroscops event store's HTTP API (Node 20+, built-in fetch). Errors are thrown as the typed
 * errors of `./errors`; requests that may succeed later are retried with backoff, appends safely (every event carries
 * an id, so a repeat records it at most once).
 */
export class EventStoreClient {
  private readonly baseUrl: string;
  private readonly fetchFn: FetchFunction;
  private readonly timeoutMs: number;
  private readonly retry: Required<RetryOptions>;

  constructor(private readonly options: EventStoreClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retry = { attempts: 5, baseMs: 200, maxMs: 5000, ...options.retry };
  }

  // ---------------------------------------------------------------- streams

  /**
   * Appends events to a stream, atomically, if the stream is at `expectedVersion`. Every event without an `eventId`
   * gets a random one first, so that retries after a lost answer or a 503 record the events at most once; the
   * result names the ids. `idempotencyKey` (optional) is sent as the `Idempotency-Key` header.
   */
  async append<D extends JsonObject>(
    aggregateId: string,
    request: AppendRequest<D>,
    options: { idempotencyKey?: string; signal?: AbortSignal } = {},
  ): Promise<AppendResult> {
    const events = request.events.map((e) => ({ ...e, eventId: e.eventId ?? randomUUID() }));
    const answer = await this.send<Omit<AppendResult, 'eventIds'>>({
      method: 'POST',
      path: `/v1/aggregates/${enc(aggregateId)}/events`,
      body: { ...request, events },
      headers: options.idempotencyKey !== undefined ? { 'idempotency-key': options.idempotencyKey } : undefined,
      retry: 'append',
      signal: options.signal,
    });
    return { ...answer.body, eventIds: events.map((e) => e.eventId) };
  }

  /** A slice of a stream (forward from version 1 by default, up to 1000 events). */
  async readStream(aggregateId: string, options: ReadStreamOptions & { signal?: AbortSignal } = {}): Promise<StreamSlice> {
    const { signal, ...query } = options;
    return (
      await this.send<StreamSlice>({ method: 'GET', path: `/v1/aggregates/${enc(aggregateId)}/events`, query, retry: 'safe', signal })
    ).body;
  }

  /** One event by its id. */
  async getEvent(eventId: string, options: { signal?: AbortSignal } = {}): Promise<StoredEvent> {
    return (await this.send<StoredEvent>({ method: 'GET', path: `/v1/events/${enc(eventId)}`, retry: 'safe', signal: options.signal }))
      .body;
  }

  /** Searches the event history (near real time: a just-committed event may be missing; not ordered by position). */
  async search(query: SearchQuery = {}, options: { signal?: AbortSignal } = {}): Promise<EventPage> {
    return (await this.send<EventPage>({ method: 'GET', path: '/v1/events', query: { ...query }, retry: 'safe', signal: options.signal }))
      .body;
  }

  // ---------------------------------------------------------------- the global log

  /** One page of the global log after `after`, in position order, gap-safe; resume from its `checkpoint`. */
  async readLog(options: ReadLogOptions & { signal?: AbortSignal } = {}): Promise<LogPage> {
    const { after, limit, signal, ...filter } = options;
    return (
      await this.send<LogPage>({
        method: 'GET',
        path: '/v1/log',
        query: { after, limit, ...logFilterQuery(filter) },
        retry: 'safe',
        signal,
      })
    ).body;
  }

  /** Pages of the log from `after` up to the head as it was when each page was read, then stops. */
  async *readLogPages(options: ReadLogOptions & { signal?: AbortSignal } = {}): AsyncGenerator<LogPage> {
    let after = options.after ?? 0;
    for (;;) {
      const page = await this.readLog({ ...options, after });
      yield page;
      if (page.checkpoint >= page.head) return;
      // A checkpoint that does not move waits on a position still being written: give it a moment.
      if (page.checkpoint === after) await sleep(50, options.signal);
      if (options.signal?.aborted) return;
      after = page.checkpoint;
    }
  }

  /**
   * Follows the global log live over Server-Sent Events (`GET /v1/log/stream`): the events after `after`, then new
   * ones as they commit, in position order, with no gap and no duplicate. Reconnects with backoff when the connection
   * fails or the server ends it, resuming after the last event received (`Last-Event-ID`); iterate with `for await`,
   * stop with `break`, `close()` or the signal.
   */
  followLog(options: FollowLogOptions = {}): LogSubscription {
    return new LogSubscription(options, {
      open: async (lastEventId, signal) => {
        const url = this.url('/v1/log/stream', { after: lastEventId, ...logFilterQuery(options) });
        return this.fetchFn(url, {
          headers: await this.headers({ accept: 'text/event-stream', 'last-event-id': String(lastEventId) }),
          signal,
        });
      },
      retry: { baseMs: options.reconnect?.baseMs ?? this.retry.baseMs, maxMs: options.reconnect?.maxMs ?? this.retry.maxMs },
    });
  }

  // ---------------------------------------------------------------- consumer groups

  /** Creates a consumer group, or updates its filter and settings (`startFrom` only applies to a new group). */
  async putConsumerGroup(group: string, spec: ConsumerGroupSpec = {}, scope: GroupScope = {}): Promise<PutConsumerGroupResult> {
    const a = await this.send<ConsumerGroupStatus>({
      method: 'PUT',
      path: this.groupPath(group),
      query: { ...scope },
      body: spec,
      retry: 'safe',
    });
    return { created: a.status === 201, status: a.body };
  }

  async getConsumerGroup(group: string, scope: GroupScope = {}): Promise<ConsumerGroupStatus> {
    return (await this.send<ConsumerGroupStatus>({ method: 'GET', path: this.groupPath(group), query: { ...scope }, retry: 'safe' })).body;
  }

  async listConsumerGroups(scope: GroupScope = {}): Promise<ConsumerGroupStatus[]> {
    return (
      await this.send<{ groups: ConsumerGroupStatus[] }>({ method: 'GET', path: '/v1/consumer-groups', query: { ...scope }, retry: 'safe' })
    ).body.groups;
  }

  async deleteConsumerGroup(group: string, scope: GroupScope = {}): Promise<void> {
    await this.send({ method: 'DELETE', path: this.groupPath(group), query: { ...scope }, retry: 'none' });
  }

  /** Moves the group's checkpoint (pending and in-flight events are dropped). */
  async moveConsumerGroup(group: string, position: StartFrom, scope: GroupScope = {}): Promise<ConsumerGroupStatus> {
    return (
      await this.send<ConsumerGroupStatus>({
        method: 'POST',
        path: `${this.groupPath(group)}/position`,
        query: { ...scope },
        body: { position },
        retry: 'safe',
      })
    ).body;
  }

  /** Receives up to `max` events (long poll up to `waitMs`); each must be acknowledged or refused before its deadline. */
  async fetchDeliveries(group: string, options: FetchOptions, scope: GroupScope & { signal?: AbortSignal } = {}): Promise<FetchResult> {
    const { signal, ...groupScope } = scope;
    return (
      await this.send<FetchResult>({
        method: 'POST',
        path: `${this.groupPath(group)}/fetch`,
        query: { ...groupScope },
        body: options,
        retry: 'safe',
        signal,
        extraTimeoutMs: options.waitMs ?? 10_000,
      })
    ).body;
  }

  async ack(group: string, deliveryIds: string[], options: GroupScope & { consumer?: string } = {}): Promise<AckResult> {
    const { consumer, ...scope } = options;
    return (
      await this.send<AckResult>({
        method: 'POST',
        path: `${this.groupPath(group)}/ack`,
        query: { ...scope },
        body: { deliveryIds, ...(consumer !== undefined ? { consumer } : {}) },
        retry: 'safe',
      })
    ).body;
  }

  /** Refuses deliveries: retried after a backoff, parked after the group's `maxAttempts` (or at once with `park`). */
  async nack(
    group: string,
    deliveryIds: string[],
    options: GroupScope & { consumer?: string; reason?: string; park?: boolean } = {},
  ): Promise<NackResult> {
    const { organizationId, ...body } = options;
    return (
      await this.send<NackResult>({
        method: 'POST',
        path: `${this.groupPath(group)}/nack`,
        query: { organizationId },
        body: { deliveryIds, ...body },
        retry: 'safe',
      })
    ).body;
  }

  async listParked(group: string, scope: GroupScope = {}): Promise<ParkedList> {
    return (await this.send<ParkedList>({ method: 'GET', path: `${this.groupPath(group)}/parked`, query: { ...scope }, retry: 'safe' }))
      .body;
  }

  /** Admins: delivers a parked event again. */
  async replayParked(group: string, eventId: string, scope: GroupScope = {}): Promise<void> {
    await this.send({ method: 'POST', path: `${this.groupPath(group)}/parked/${enc(eventId)}/replay`, query: { ...scope }, retry: 'none' });
  }

  /** Admins: gives up on a parked event. */
  async skipParked(group: string, eventId: string, scope: GroupScope = {}): Promise<void> {
    await this.send({ method: 'POST', path: `${this.groupPath(group)}/parked/${enc(eventId)}/skip`, query: { ...scope }, retry: 'none' });
  }

  /**
   * Runs a consumer of a group until the signal aborts: fetches (long poll), calls `handler` for each delivery in
   * order, acknowledges the ones it handled and refuses (nack, with the error's message) the ones it threw on.
   * Transient failures are retried with backoff; the resolved stats count what it did.
   */
  consume<D = Record<string, unknown>>(group: string, options: ConsumeOptions<D>): Promise<ConsumeStats> {
    return consume(this, group, options);
  }

  // ---------------------------------------------------------------- plumbing

  private groupPath(group: string): string {
    return `/v1/consumer-groups/${enc(group)}`;
  }

  private url(path: string, query: Record<string, QueryValue> = {}): string {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const x of v) qs.append(k, x);
      else qs.append(k, String(v));
    }
    const s = qs.toString();
    return `${this.baseUrl}${path}${s ? `?${s}` : ''}`;
  }

  private async headers(extra: Record<string, string> = {}): Promise<Record<string, string>> {
    const token = typeof this.options.token === 'function' ? await this.options.token() : this.options.token;
    return { ...this.options.headers, authorization: `Bearer ${token}`, ...extra };
  }

  private async send<T = unknown>(spec: RequestSpec): Promise<Answer<T>> {
    let uncertain: EventStoreClientError | null = null;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once<T>(spec);
      } catch (e) {
        if (spec.signal?.aborted) throw spec.signal.reason ?? e;
        if (!(e instanceof EventStoreClientError)) throw e;
        if (e instanceof OutcomeUnknownError) uncertain = e;
        const last = attempt + 1 >= this.retry.attempts;
        if (spec.retry === 'none' || !e.retryable || last) {
          // An append that failed for good after an attempt whose answer was lost: it may have been recorded, unless the
          // service judged the retry (it recognises a stored append by its event ids first, so a refusal then means
          // the first attempt stored nothing). A server error or an authentication failure judged nothing.
          if (spec.retry === 'append' && uncertain && !judgedRetry(e)) {
            throw new OutcomeUnknownError(
              `${uncertain.message} (after ${attempt + 1} attempts: ${e.message})`,
              uncertain.code,
              e.status,
              e.details,
              {
                cause: e,
              },
            );
          }
          throw e;
        }
        const hinted = e instanceof RateLimitedError || e instanceof UnavailableError ? e.retryAfterMs : null;
        await sleep(Math.min(hinted ?? backoffDelay(attempt, this.retry), this.retry.maxMs), spec.signal);
      }
    }
  }

  private async once<T>(spec: RequestSpec): Promise<Answer<T>> {
    const timeout = AbortSignal.timeout(this.timeoutMs + (spec.extraTimeoutMs ?? 0));
    const signal = spec.signal ? AbortSignal.any([spec.signal, timeout]) : timeout;
    const headers = await this.headers({ accept: 'application/json', ...spec.headers });
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    let text: string;
    try {
      res = await this.fetchFn(this.url(spec.path, spec.query), {
        method: spec.method,
        headers,
        body: spec.body !== undefined ? JSON.stringify(spec.body) : undefined,
        signal,
      });
      text = await res.text();
    } catch (e) {
      if (spec.signal?.aborted) throw e;
      const what = timeout.aborted ? `no answer within ${this.timeoutMs + (spec.extraTimeoutMs ?? 0)} ms` : (e as Error).message;
      const message = `${spec.method} ${spec.path}: ${what}`;
      // A write sent without an answer back may have been carried out.
      if (spec.retry === 'append') throw new OutcomeUnknownError(message, 'NoAnswer', null, undefined, { cause: e });
      throw new NetworkError(message, 'NoAnswer', null, undefined, { cause: e });
    }
    if (!res.ok) throw errorFromResponse(res.status, text, res.headers);
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }
}

/** Whether the service answered a retried append with a judgement of it (a 4xx refusal), not a failure of its own. */
function judgedRetry(e: EventStoreClientError): boolean {
  const status = e.status ?? 0;
  return !e.retryable && status >= 400 && status < 500 && status !== 401 && status !== 403 && status !== 408;
}
