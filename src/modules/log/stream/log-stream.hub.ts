import type { ServerResponse } from 'node:http';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { EVENT_STORE, type EventStore, type ReadScope, type StoredEvent } from '@gyroscops/event-store';
import { logEventMatcher, readFilteredLog, type LogFilter } from '@gyroscops/projections';
import { AppConfig } from '../../../config/app-config';
import { LogTail, type TailEvent, type TailSubscriber } from './log-tail';
import { commentMessage, eventMessage, namedMessage, retryMessage } from './sse';

export interface StreamRequest {
  /** Stream events after this position (Last-Event-ID, else `after`). */
  after: number;
  filter: LogFilter;
  scope: ReadScope;
  /** Names the stream in the hub's statistics (the request's correlation id). */
  label: string;
}

export interface StreamStats {
  id: number;
  label: string;
  organizationId: string;
  mode: 'catch-up' | 'live' | 'closed';
  /** Every position up to it has been queued or passed over. */
  cursor: number;
  /** Events held for the client right now (queued, not yet handed to the socket). */
  buffered: number;
  /** The most it ever held. */
  maxBuffered: number;
  /** Events handed to the socket. */
  delivered: number;
  /** Id of the last message handed to the socket: where the client resumes. */
  lastEventId: number;
  dropped: boolean;
}

export interface HubStats {
  /** Events a live client may have queued before it is dropped. */
  bufferLimit: number;
  streams: StreamStats[];
  /** Recently closed streams, newest last. */
  closed: StreamStats[];
  droppedCount: number;
}

/** Events read per request while a stream catches up, and log events looked at per read. */
const CATCH_UP_SCAN = 5000;
const RECENTLY_CLOSED_KEPT = 100;
const TAIL_POLL_MS = 200;
/** A dropped client that never reads again is disconnected after this, so its socket's memory is returned. */
const DROPPED_LINGER_MS = 30_000;

/**
 * The live tail of the log over Server-Sent Events. Each stream first catches up on its own, reading a page only
 * when the previous one has been written to its socket (its memory is one page, whatever its speed); once it has
 * read up to the shared tail's position it joins the tail, which hands every batch to all joined streams at once.
 * The switch is made in one tick, where the tail's next batch starts at or before the stream's checkpoint, and the
 * stream skips positions it already has: no gap, no duplicate. A live stream whose socket does not drain keeps at
 * most `LOG_STREAM_BUFFER_EVENTS` events queued; one more and it is dropped (told so, then closed), and it resumes
 * from its last id by catching up again. Nothing a slow client does holds back the tail or the other clients.
 */
@Injectable()
export class LogStreamHub implements OnModuleDestroy {
  private readonly logger = new Logger('LogStream');
  readonly tail: LogTail;
  private readonly streams = new Set<Stream>();
  private readonly closed: StreamStats[] = [];
  private droppedCount = 0;
  private nextId = 1;
  private readonly heartbeat: NodeJS.Timeout;
  readonly bufferLimit: number;
  private readonly pageSize: number;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly config: AppConfig,
  ) {
    this.bufferLimit = config.logStream.bufferEvents;
    this.pageSize = Math.max(1, Math.min(200, Math.floor(this.bufferLimit / 2)));
    this.tail = new LogTail(store, {
      batchSize: this.pageSize,
      pollMs: TAIL_POLL_MS,
      onError: (message) => this.logger.warn(`log tail: ${message} (retrying)`),
    });
    this.heartbeat = setInterval(() => {
      for (const s of this.streams) s.beat();
    }, config.logStream.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Starts streaming on a response whose headers have been sent. Resolves when the stream ends. */
  open(res: ServerResponse, request: StreamRequest): Promise<void> {
    const stream = new Stream(this.nextId++, res, request, this);
    this.streams.add(stream);
    return stream.run();
  }

  /** Something was appended in this process: the tail reads now. */
  appended(): void {
    this.tail.wake();
  }

  stats(): HubStats {
    return {
      bufferLimit: this.bufferLimit,
      streams: [...this.streams].map((s) => s.stats()),
      closed: [...this.closed],
      droppedCount: this.droppedCount,
    };
  }

  /** Shutdown: every stream ends (clients reconnect elsewhere with their Last-Event-ID). */
  onModuleDestroy(): void {
    clearInterval(this.heartbeat);
    for (const s of [...this.streams]) s.close();
  }

  /** @internal */ get maxConnectionMs(): number {
    return this.config.logStream.maxConnectionMs;
  }

  /** @internal */ readPage(after: number, matches: (e: StoredEvent) => boolean) {
    return readFilteredLog(this.store, matches, { after, limit: this.pageSize, maxScanned: CATCH_UP_SCAN, pageSize: this.pageSize });
  }

  /** @internal */ ended(stream: Stream, dropped: boolean): void {
    if (!this.streams.delete(stream)) return;
    if (dropped) {
      this.droppedCount++;
      this.logger.warn(`stream ${stream.label}: dropped (more than ${this.bufferLimit} events queued); it resumes from its last id`);
    }
    this.closed.push(stream.stats());
    if (this.closed.length > RECENTLY_CLOSED_KEPT) this.closed.shift();
  }

  /** @internal */ warn(message: string): void {
    this.logger.warn(message);
  }
}

interface Queued {
  chunk: string;
  /** The message's id, if it has one. */
  id: number | null;
  isEvent: boolean;
}

class Stream implements TailSubscriber {
  private mode: 'catch-up' | 'live' | 'closed' = 'catch-up';
  private cursor: number;
  private readonly queue: Queued[] = [];
  private buffered = 0;
  private maxBuffered = 0;
  private delivered = 0;
  private lastEventId: number;
  private dropped = false;
  private draining = false;
  private readonly matches: (e: StoredEvent) => boolean;
  private wakeCatchUp: (() => void) | null = null;
  private done!: () => void;
  private readonly finished = new Promise<void>((resolve) => (this.done = resolve));
  private lifetime: NodeJS.Timeout | null = null;
  readonly label: string;

  constructor(
    readonly id: number,
    private readonly res: ServerResponse,
    private readonly request: StreamRequest,
    private readonly hub: LogStreamHub,
  ) {
    this.cursor = request.after;
    this.lastEventId = request.after;
    this.label = request.label;
    this.matches = logEventMatcher(request.filter, request.scope);
    res.on('close', () => this.close());
    res.on('drain', () => {
      this.draining = false;
      this.flush();
      this.wakeCatchUp?.();
    });
  }

  async run(): Promise<void> {
    this.write({ chunk: retryMessage(1000), id: null, isEvent: false });
    if (this.hub.maxConnectionMs > 0) {
      this.lifetime = setTimeout(() => this.close(), this.hub.maxConnectionMs);
      this.lifetime.unref();
    }
    await this.catchUp();
    return this.finished;
  }

  stats(): StreamStats {
    return {
      id: this.id,
      label: this.label,
      organizationId: this.request.scope.organizationId,
      mode: this.mode,
      cursor: this.cursor,
      buffered: this.buffered,
      maxBuffered: this.maxBuffered,
      delivered: this.delivered,
      lastEventId: this.lastEventId,
      dropped: this.dropped,
    };
  }

  /** Reads pages on its own until it has reached the tail, then joins it. */
  private async catchUp(): Promise<void> {
    while (this.mode === 'catch-up') {
      // One page at a time: the next is read only once this one is in the socket.
      if (this.draining || this.queue.length > 0) {
        await this.until();
        continue;
      }
      let page;
      try {
        page = await this.hub.readPage(this.cursor, this.matches);
      } catch (e) {
        this.hub.warn(`stream ${this.label}: ${e instanceof Error ? e.message : String(e)} (retrying)`);
        await this.until(1000);
        continue;
      }
      if (this.mode !== 'catch-up') return;
      for (const event of page.events) this.push(event.position, eventMessage(event.position, JSON.stringify(event)));
      const progressed = page.checkpoint > this.cursor;
      this.cursor = Math.max(this.cursor, page.checkpoint);
      // Caught up (or waiting on a write in flight): switch to the tail, unless it has moved past this checkpoint.
      if ((page.checkpoint >= page.head || !progressed) && this.hub.tail.canJoin(this.cursor)) {
        this.mode = 'live';
        this.hub.tail.join(this, this.cursor);
        return;
      }
      if (!progressed) await this.until(TAIL_POLL_MS);
    }
  }

  onBatch(batch: readonly TailEvent[], checkpoint: number): void {
    if (this.mode !== 'live') return;
    for (const { event, json } of batch) {
      if (event.position <= this.cursor || !this.matches(event)) continue;
      if (this.buffered >= this.hub.bufferLimit) {
        this.drop();
        return;
      }
      this.push(event.position, eventMessage(event.position, json));
    }
    this.cursor = Math.max(this.cursor, checkpoint);
  }

  /** Heartbeat: when idle, a checkpoint message if the cursor moved past events the client does not want, else a comment. */
  beat(): void {
    if (this.mode === 'closed' || this.draining || this.queue.length > 0) return;
    if (this.cursor > this.lastEventId) {
      this.write({ chunk: namedMessage('checkpoint', { checkpoint: this.cursor }, this.cursor), id: this.cursor, isEvent: false });
    } else {
      this.write({ chunk: commentMessage('heartbeat'), id: null, isEvent: false });
    }
  }

  close(): void {
    if (this.mode === 'closed') return;
    this.mode = 'closed';
    this.hub.tail.leave(this);
    if (this.lifetime) clearTimeout(this.lifetime);
    this.queue.length = 0;
    this.buffered = 0;
    this.wakeCatchUp?.();
    if (!this.res.writableEnded) this.res.end();
    this.hub.ended(this, this.dropped);
    this.done();
  }

  private drop(): void {
    this.dropped = true;
    // Said after everything already in the socket, so the client knows exactly where it stands.
    this.res.write(namedMessage('dropped', { reason: 'slow consumer', lastEventId: this.lastEventId, bufferLimit: this.hub.bufferLimit }));
    const linger = setTimeout(() => this.res.destroy(), DROPPED_LINGER_MS);
    linger.unref();
    this.res.once('close', () => clearTimeout(linger));
    this.close();
  }

  private push(position: number, chunk: string): void {
    this.queue.push({ chunk, id: position, isEvent: true });
    this.buffered++;
    this.maxBuffered = Math.max(this.maxBuffered, this.buffered);
    this.flush();
  }

  private flush(): void {
    while (!this.draining && this.queue.length > 0 && this.mode !== 'closed') {
      const next = this.queue.shift() as Queued;
      if (next.isEvent) this.buffered--;
      this.write(next);
    }
  }

  private write(message: Queued): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    const ok = this.res.write(message.chunk);
    if (message.id !== null) this.lastEventId = message.id;
    if (message.isEvent) this.delivered++;
    if (!ok) this.draining = true;
  }

  /** Waits for the socket to drain, the stream to close, or `ms`. */
  private until(ms = 60_000): Promise<void> {
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.wakeCatchUp = null;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.wakeCatchUp = finish;
    });
  }
}
