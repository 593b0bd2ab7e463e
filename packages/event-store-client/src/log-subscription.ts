import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { backoffDelay, sleep, type BackoffOptions } from './backoff';
import { errorFromResponse, EventStoreClientError } from './errors';
import type { LogFilter, StoredEvent } from './types';

export interface FollowLogOptions extends LogFilter {
  /** Start after this position (default 0: the whole log, then live). */
  after?: number;
  /** Ends the subscription (the iteration then completes). */
  signal?: AbortSignal;
  /** Delays between reconnections after failures (default: the client's retry delays). */
  reconnect?: BackoffOptions;
  /**
   * A connection that receives nothing for this long (no event, checkpoint or heartbeat) is considered dead and
   * replaced (ms, default 60000; the service sends a heartbeat every LOG_STREAM_HEARTBEAT_MS, 15 s by default).
   */
  idleTimeoutMs?: number;
  /** Called when the stream moves past positions the filters left out (`checkpoint` messages). */
  onCheckpoint?: (position: number) => void;
  /** Called before each reconnection, with why the previous connection ended. */
  onReconnect?: (info: { attempt: number; delayMs: number; lastEventId: number; reason: string }) => void;
}

/** How the subscription opens a connection (the client's URL, headers and fetch). */
export interface LogConnector {
  open(lastEventId: number, signal: AbortSignal): Promise<Response>;
  retry: Required<BackoffOptions>;
}

type Item = { kind: 'event'; event: StoredEvent } | { kind: 'checkpoint'; position: number } | { kind: 'end'; reason: string };

/**
 * A live subscription to the global log: an async iterable of events in position order. `lastEventId` is the
 * position it will resume after (the last event it gave, or the last checkpoint past filtered-out events).
 */
export class LogSubscription implements AsyncIterable<StoredEvent> {
  private last: number;
  private readonly stop = new AbortController();
  private started = false;
  /** Connections opened so far (1 + reconnections). */
  connections = 0;

  constructor(
    private readonly options: FollowLogOptions,
    private readonly connector: LogConnector,
  ) {
    this.last = options.after ?? 0;
    if (options.signal?.aborted) this.stop.abort();
    else options.signal?.addEventListener('abort', () => this.stop.abort(), { once: true });
  }

  get lastEventId(): number {
    return this.last;
  }

  /** Ends the subscription: a pending `next()` completes and the connection is closed. */
  close(): void {
    this.stop.abort();
  }

  [Symbol.asyncIterator](): AsyncIterator<StoredEvent> {
    if (this.started) throw new Error('A log subscription can be iterated once; call followLog again for another');
    this.started = true;
    return this.run();
  }

  private async *run(): AsyncGenerator<StoredEvent> {
    let failures = 0;
    let serverRetryMs: number | null = null;
    while (!this.stop.signal.aborted) {
      const connection = new AbortController();
      const onStop = () => connection.abort();
      this.stop.signal.addEventListener('abort', onStop, { once: true });
      let reason = 'the server ended the stream';
      try {
        this.connections++;
        // A server that never answers is given up on like a silent stream.
        const idleMs = this.options.idleTimeoutMs ?? 60_000;
        const noAnswer = setTimeout(() => connection.abort(new Error(`no answer within ${idleMs} ms`)), idleMs);
        const res = await this.connector.open(this.last, connection.signal).finally(() => clearTimeout(noAnswer));
        if (!res.ok || !res.body) {
          const error = errorFromResponse(res.status, await res.text().catch(() => ''), res.headers);
          if (!error.retryable) throw error;
          reason = `${res.status} ${error.code}`;
          failures++;
        } else {
          failures = 0;
          for await (const item of this.items(res.body, connection, (ms) => (serverRetryMs = ms))) {
            if (item.kind === 'event') {
              // Position order is the stream's promise; an older one can only be a repeat after a reconnection.
              if (item.event.position <= this.last) continue;
              this.last = item.event.position;
              yield item.event;
            } else if (item.kind === 'checkpoint') {
              if (item.position > this.last) {
                this.last = item.position;
                this.options.onCheckpoint?.(item.position);
              }
            } else reason = item.reason;
          }
        }
      } catch (e) {
        if (this.stop.signal.aborted) return;
        if (e instanceof EventStoreClientError && !e.retryable) throw e;
        reason = e instanceof Error ? e.message : String(e);
        failures++;
      } finally {
        this.stop.signal.removeEventListener('abort', onStop);
        connection.abort();
      }
      if (this.stop.signal.aborted) return;
      // A clean end (the server closing a long connection, or dropping a slow reader) reconnects after the server's
      // `retry`; failures back off.
      const delayMs = failures === 0 ? (serverRetryMs ?? this.connector.retry.baseMs) : backoffDelay(failures - 1, this.connector.retry);
      this.options.onReconnect?.({ attempt: failures, delayMs, lastEventId: this.last, reason });
      await sleep(delayMs, this.stop.signal);
    }
  }

  /** The messages of one connection, parsed by eventsource-parser, as they arrive. */
  private async *items(body: ReadableStream<Uint8Array>, connection: AbortController, onRetry: (ms: number) => void): AsyncGenerator<Item> {
    const queue: Item[] = [];
    const parser = createParser({
      onEvent: (m: EventSourceMessage) => {
        if (m.event === undefined || m.event === 'message') {
          queue.push({ kind: 'event', event: JSON.parse(m.data) as StoredEvent });
        } else if (m.event === 'checkpoint') {
          const position = Number(m.id ?? (JSON.parse(m.data) as { checkpoint: number }).checkpoint);
          if (Number.isSafeInteger(position)) queue.push({ kind: 'checkpoint', position });
        } else if (m.event === 'dropped') {
          queue.push({ kind: 'end', reason: `dropped by the server: ${m.data}` });
        }
      },
      onRetry,
    });
    const idleMs = this.options.idleTimeoutMs ?? 60_000;
    let idle = setTimeout(() => connection.abort(new Error(`nothing received for ${idleMs} ms`)), idleMs);
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) {
        clearTimeout(idle);
        idle = setTimeout(() => connection.abort(new Error(`nothing received for ${idleMs} ms`)), idleMs);
        parser.feed(decoder.decode(chunk, { stream: true }));
        while (queue.length > 0) yield queue.shift() as Item;
      }
    } finally {
      clearTimeout(idle);
    }
  }
}
