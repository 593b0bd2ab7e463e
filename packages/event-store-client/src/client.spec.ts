import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventStoreClient } from './client';
import {
  ConflictError,
  OutcomeUnknownError,
  StreamDeletedError,
  UnavailableError,
  ValidationError,
  WrongExpectedVersionError,
} from './errors';
import type { StoredEvent } from './types';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

/** A stand-in for the service: answers what each test scripts, and records what it was sent. */
async function fakeService(
  handler: Handler,
): Promise<{ url: string; requests: { url: string; headers: IncomingMessage['headers']; body: string }[]; close(): Promise<void> }> {
  const requests: { url: string; headers: IncomingMessage['headers']; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      requests.push({ url: req.url ?? '', headers: req.headers, body });
      handler(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

const event = (position: number): StoredEvent => ({
  eventId: `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`,
  aggregateId: `a-${position}`,
  aggregateType: 'Thing',
  eventType: 'Happened',
  eventData: {},
  version: 1,
  position,
  timestamp: new Date(0).toISOString(),
  correlationId: 'c',
  causationId: null,
  schemaVersion: 1,
  metadata: { userId: 'u', organizationId: 'o', source: 'api' },
});

const fast = { attempts: 3, baseMs: 1, maxMs: 5 };

describe('EventStoreClient', () => {
  let service: Awaited<ReturnType<typeof fakeService>> | null = null;
  afterEach(async () => {
    await service?.close();
    service = null;
  });

  describe('when the API answers an error', () => {
    it.each([
      [409, { error: 'WrongExpectedVersion', message: 'm', expectedVersion: 1, actualVersion: 4 }, WrongExpectedVersionError],
      [409, { error: 'DuplicateEvent', message: 'm' }, ConflictError],
      [410, { error: 'StreamDeleted', message: 'm' }, StreamDeletedError],
      [400, { error: 'ValidationError', message: 'm', details: [{ field: 'events' }] }, ValidationError],
    ])('maps %i %j to its typed error, without retrying', async (status, body, type) => {
      service = await fakeService((_req, _body, res) => json(res, status, body));
      const client = new EventStoreClient({ baseUrl: service.url, token: 't', retry: fast });
      const error = await client
        .append('a-1', { aggregateType: 'Thing', expectedVersion: 1, events: [{ eventType: 'E', eventData: {} }] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(type);
      expect(error).toMatchObject({ status, code: body.error, retryable: false });
      if (error instanceof WrongExpectedVersionError) expect(error.actualVersion).toBe(4);
      if (error instanceof ValidationError) expect(error.details).toEqual([{ field: 'events' }]);
      expect(service.requests).toHaveLength(1);
    });
  });

  describe('when an append meets 503s', () => {
    it('retries EventStoreUnavailable with the same event ids, honouring Retry-After, then succeeds', async () => {
      let n = 0;
      service = await fakeService((_req, _body, res) =>
        n++ === 0
          ? json(res, 503, { error: 'EventStoreUnavailable', message: 'retry later' }, { 'retry-after': '0' })
          : json(res, 201, { aggregateId: 'a-1', fromVersion: 1, version: 1, position: 7 }),
      );
      const client = new EventStoreClient({ baseUrl: service.url, token: 'secret', retry: fast });
      const r = await client.append('a-1', {
        aggregateType: 'Thing',
        expectedVersion: 'no_stream',
        events: [{ eventType: 'E', eventData: {} }],
      });
      expect(r).toMatchObject({ version: 1, position: 7 });
      const sent = service.requests.map((q) => JSON.parse(q.body).events[0].eventId);
      expect(sent).toHaveLength(2);
      expect(sent[0]).toBe(sent[1]);
      expect(r.eventIds).toEqual([sent[0]]);
      expect(service.requests[0].headers.authorization).toBe('Bearer secret');
    });

    it('tells an unknown outcome from an unavailable store when the retries run out', async () => {
      let n = 0;
      service = await fakeService((_req, _body, res) =>
        n++ === 0
          ? json(res, 503, { error: 'AppendOutcomeUnknown', message: 'may have been recorded' })
          : json(res, 503, { error: 'EventStoreUnavailable', message: 'retry later' }),
      );
      const client = new EventStoreClient({ baseUrl: service.url, token: 't', retry: fast });
      const error = await client
        .append('a-1', { aggregateType: 'Thing', expectedVersion: 'any', events: [{ eventType: 'E', eventData: {} }] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OutcomeUnknownError);
      expect(service.requests).toHaveLength(3);

      service.requests.length = 0;
      n = 1; // unavailable every time: nothing was recorded
      const unavailable = await client.readLog().catch((e: unknown) => e);
      expect(unavailable).toBeInstanceOf(UnavailableError);
      expect(unavailable).not.toBeInstanceOf(OutcomeUnknownError);
    });
  });

  describe('when an append whose answer was lost is answered without a judgement of it the next time', () => {
    it.each([
      ['a server error', 500, { error: 'InternalServerError', message: 'boom' }],
      ['an expired token', 401, { error: 'Unauthorized', message: 'token expired' }],
    ])('reports its outcome unknown after %s, not a failure', async (_name, status, body) => {
      let n = 0;
      service = await fakeService((_req, _body, res) =>
        n++ === 0 ? json(res, 503, { error: 'AppendOutcomeUnknown', message: 'may have been recorded' }) : json(res, status, body),
      );
      const client = new EventStoreClient({ baseUrl: service.url, token: 't', retry: fast });
      const error = await client
        .append('a-1', { aggregateType: 'Thing', expectedVersion: 'any', events: [{ eventType: 'E', eventData: {} }] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OutcomeUnknownError);
      expect(service.requests).toHaveLength(2);
    });

    it('reports the refusal the service judged on the retry (the first attempt stored nothing)', async () => {
      let n = 0;
      service = await fakeService((_req, _body, res) =>
        n++ === 0
          ? json(res, 503, { error: 'AppendOutcomeUnknown', message: 'may have been recorded' })
          : json(res, 409, { error: 'WrongExpectedVersion', message: 'stale', details: { expectedVersion: 1, actualVersion: 2 } }),
      );
      const client = new EventStoreClient({ baseUrl: service.url, token: 't', retry: fast });
      const error = await client
        .append('a-1', { aggregateType: 'Thing', expectedVersion: 1, events: [{ eventType: 'E', eventData: {} }] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WrongExpectedVersionError);
    });
  });

  describe('when following the log', () => {
    it('parses events and checkpoints, and resumes after the last one with Last-Event-ID when the server ends the stream', async () => {
      let connection = 0;
      service = await fakeService((_req, _body, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        if (connection++ === 0) {
          res.write('retry: 5\n\n');
          res.write(`id: 1\ndata: ${JSON.stringify(event(1))}\n\n: heartbeat\n\n`);
          // A message split across writes, as TCP may deliver it.
          const second = `id: 2\ndata: ${JSON.stringify(event(2))}\n\n`;
          res.write(second.slice(0, 10));
          res.end(
            `${second.slice(10)}id: 5\nevent: checkpoint\ndata: {"checkpoint":5}\n\nevent: dropped\ndata: {"reason":"slow consumer"}\n\n`,
          );
        } else {
          res.write(`id: 6\ndata: ${JSON.stringify(event(6))}\n\n`);
        }
      });
      const client = new EventStoreClient({ baseUrl: service.url, token: 't' });
      const reconnects: { lastEventId: number; reason: string }[] = [];
      const follow = client.followLog({ aggregateType: 'Thing', onReconnect: (i) => reconnects.push(i) });
      const got: number[] = [];
      for await (const e of follow) {
        got.push(e.position);
        if (got.length === 3) break;
      }
      expect(got).toEqual([1, 2, 6]);
      expect(follow.lastEventId).toBe(6);
      expect(reconnects).toEqual([expect.objectContaining({ lastEventId: 5, delayMs: 5, reason: expect.stringContaining('dropped') })]);
      expect(service.requests.map((q) => q.headers['last-event-id'])).toEqual(['0', '5']);
      expect(service.requests[1].url).toBe('/v1/log/stream?after=5&aggregateType=Thing');
    });

    it('gives up on a connection that stays silent, and reconnects', async () => {
      let connection = 0;
      service = await fakeService((_req, _body, res) => {
        if (connection++ === 0) return; // never answers
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`id: 3\ndata: ${JSON.stringify(event(3))}\n\n`);
      });
      const client = new EventStoreClient({ baseUrl: service.url, token: 't' });
      const reasons: string[] = [];
      const follow = client.followLog({
        idleTimeoutMs: 200,
        reconnect: { baseMs: 1, maxMs: 5 },
        onReconnect: (i) => reasons.push(i.reason),
      });
      for await (const e of follow) {
        expect(e.position).toBe(3);
        break;
      }
      expect(reasons).toEqual([expect.stringContaining('no answer within 200 ms')]);
      expect(follow.connections).toBe(2);
    });

    it('ends with the typed error when the API refuses the request', async () => {
      service = await fakeService((_req, _body, res) => json(res, 400, { error: 'ValidationError', message: 'bad' }));
      const client = new EventStoreClient({ baseUrl: service.url, token: 't' });
      const run = async () => {
        for await (const _ of client.followLog()) void _;
      };
      await expect(run()).rejects.toBeInstanceOf(ValidationError);
    });
  });
});
