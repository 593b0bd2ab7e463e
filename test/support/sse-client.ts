import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

export interface SseLogEvent {
  eventId: string;
  position: number;
  aggregateId: string;
  aggregateType: string;
  eventType: string;
  version: number;
  metadata: { organizationId: string };
}

export interface SseMessage {
  id: string | null;
  event: string;
  data: string;
}

/** The app's HTTP server, listening on a free loopback port (streams and abortable requests need a real socket). */
export async function baseUrlOf(app: NestFastifyApplication): Promise<string> {
  const server = app.getHttpServer();
  if (!server.listening) await app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * A Server-Sent Events client over a raw socket, so that a test can stop reading (pause) like a slow client and
 * see exactly what arrived: parsed messages, comments, and where the stream ended.
 */
export class SseClient {
  readonly messages: SseMessage[] = [];
  private readonly logEvents: SseLogEvent[] = [];
  comments = 0;
  ended = false;
  /** `id` of the last message received (what EventSource would send as Last-Event-ID). */
  lastEventId: string | null = null;
  private buffer = '';
  private readonly listeners = new Set<() => void>();
  readonly done: Promise<void>;

  private constructor(
    readonly status: number,
    readonly headers: IncomingHttpHeaders,
    private readonly res: IncomingMessage,
    readonly body: Promise<string> | null,
  ) {
    res.setEncoding('utf8');
    this.done = new Promise<void>((resolve) => {
      const finish = () => {
        this.ended = true;
        this.notify();
        resolve();
      };
      res.on('end', finish);
      res.on('close', finish);
      res.on('error', finish);
    });
    if (status === 200) res.on('data', (chunk: string) => this.receive(chunk));
  }

  static connect(url: string, headers: Record<string, string>): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        if (res.statusCode !== 200) {
          let text = '';
          res.setEncoding('utf8');
          const body = new Promise<string>((r) => {
            res.on('data', (c: string) => (text += c));
            res.on('end', () => r(text));
          });
          resolve(new SseClient(res.statusCode ?? 0, res.headers, res, body));
          return;
        }
        resolve(new SseClient(200, res.headers, res, null));
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** Log events received (messages without an event name), parsed once on arrival. */
  events(): SseLogEvent[] {
    return this.logEvents;
  }

  named(event: string): SseMessage[] {
    return this.messages.filter((m) => m.event === event);
  }

  /** Stops reading from the socket: the server's writes back up as they would for a slow client. */
  pause(): void {
    this.res.pause();
  }

  resume(): void {
    this.res.resume();
  }

  close(): void {
    this.res.destroy();
  }

  /** Resolves once `check()` holds (re-checked on every message), or rejects after `timeoutMs`. */
  waitFor(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`timed out waiting for ${what} (received ${this.messages.length} messages, ended: ${this.ended})`));
      }, timeoutMs);
      const listener = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve();
      };
      this.listeners.add(listener);
    });
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      this.parse(block);
    }
    this.notify();
  }

  private parse(block: string): void {
    let id: string | null = null;
    let event = 'message';
    const data: string[] = [];
    let fields = 0;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments++;
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      fields++;
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (fields === 0) return;
    if (id !== null) this.lastEventId = id;
    if (data.length === 0) return;
    if (event === 'message') {
      // Only what the tests look at is kept of a log event (payloads can be large).
      const { eventId, position, aggregateId, eventType, version, aggregateType, metadata } = JSON.parse(data.join('\n')) as SseLogEvent;
      this.logEvents.push({ eventId, position, aggregateId, eventType, version, aggregateType, metadata });
      this.messages.push({ id, event, data: '' });
    } else this.messages.push({ id, event, data: data.join('\n') });
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}
