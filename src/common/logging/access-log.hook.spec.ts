import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Params } from 'nestjs-pino';
import { Store, storage } from 'nestjs-pino/storage';
import { pinoHttp, type Options } from 'pino-http';
import type { AppConfig } from '../../config/app-config';
import { registerAccessLog } from './access-log.hook';
import { loggerParams } from './logger.options';

type Line = Record<string, unknown>;

/** The way the access log was written before: pino-http's middleware from the same hook, its child logger in the store. */
function registerWithPinoHttp(fastify: FastifyInstance, params: Params): void {
  const args = (Array.isArray(params.pinoHttp) ? params.pinoHttp : [params.pinoHttp]) as [Options<IncomingMessage, ServerResponse>];
  const httpLogger = pinoHttp(...args);
  fastify.addHook('onRequest', (request, reply, done) => {
    const req = request.raw as IncomingMessage & { allLogs?: Store['logger'][] };
    httpLogger(req, reply.raw);
    storage.run(new Store(req.allLogs?.[req.allLogs.length - 1] ?? httpLogger.logger), done);
  });
}

type Register = (fastify: FastifyInstance, params: Params) => void;

/** What a scenario's requests logged, with what differs between two runs whatever writes the lines left out. */
async function logged(register: Register, scenario: (app: FastifyInstance) => Promise<void>): Promise<Line[]> {
  const written: string[] = [];
  const params = loggerParams({ nodeEnv: 'test', logLevel: 'info' } as AppConfig, { write: (line: string) => void written.push(line) });
  const app = Fastify();
  register(app, params);
  await scenario(app);
  await app.close();
  return written.map((l) => {
    const line = JSON.parse(l) as Line;
    for (const key of ['time', 'pid', 'hostname', 'responseTime']) delete line[key];
    const err = line['err'] as { stack?: string } | undefined;
    if (err?.stack) err.stack = err.stack.split('\n')[0];
    return line;
  });
}

async function linesOf(register: Register): Promise<Line[]> {
  return logged(register, async (app) => {
    app.get('/ok', async () => {
      storage.getStore()?.logger.info({ step: 1 }, 'inside the handler');
      return { ok: true };
    });
    app.get('/quiet', async () => ({ ok: true }));
    app.get('/boom', async () => {
      throw new Error('broken');
    });
    app.get('/refused', async (_req, reply) => reply.code(400).send({ error: 'ValidationError' }));
    app.get('/health/live', async () => ({ status: 'ok' }));
    await app.ready();
    const headers = (id: string) => ({ 'x-correlation-id': id, 'user-agent': 'spec', authorization: 'Bearer secret-token' });
    for (const [url, id] of [
      ['/ok', 'c-ok'],
      ['/quiet', 'c-quiet'],
      ['/boom', 'c-boom'],
      ['/refused', 'c-400'],
      ['/missing', 'c-404'],
      ['/health/live', 'c-health'],
    ] as const) {
      await app.inject({ method: 'GET', url, headers: headers(id) });
    }
  });
}

describe('the access log hook', () => {
  it('writes the very lines pino-http wrote with the same settings (access lines, in-request lines, levels, ignored probes)', async () => {
    const before = await linesOf(registerWithPinoHttp);
    const after = await linesOf(registerAccessLog);
    // The comparison means something only if the requests were logged: one access line each but the probe, one inside.
    expect(before.filter((l) => l['msg'] === 'request completed' || l['msg'] === 'request errored')).toHaveLength(5);
    expect(before.filter((l) => l['msg'] === 'inside the handler')).toEqual([expect.objectContaining({ reqId: 'c-ok', step: 1 })]);
    expect(after).toEqual(before);
    expect(JSON.stringify(after)).not.toContain('secret-token');
  });

  it('logs an error on the response of a request it does not access-log (a health probe) as pino-http did', async () => {
    const scenario = async (app: FastifyInstance) => {
      app.get('/health/live', async (_req, reply) => {
        reply.raw.emit('error', new Error('socket write failed'));
        return { status: 'ok' };
      });
      await app.ready();
      // light-my-request fails the injection when its response emits an error: what is checked is what got logged.
      await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-correlation-id': 'c-probe' } }).catch(() => undefined);
    };
    const before = await logged(registerWithPinoHttp, scenario);
    expect(before).toEqual([expect.objectContaining({ reqId: 'c-probe', msg: 'request errored' })]);
    expect(await logged(registerAccessLog, scenario)).toEqual(before);
  });

  it('logs a request the client gave up on with its remote address, read when it arrived', async () => {
    const scenario = async (app: FastifyInstance) => {
      app.get('/slow', async () => {
        await new Promise((r) => setTimeout(r, 200));
        return { ok: true };
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as AddressInfo;
      const socket = connect(port, '127.0.0.1', () => socket.write('GET /slow HTTP/1.1\r\nHost: x\r\nx-correlation-id: c-abort\r\n\r\n'));
      await new Promise((r) => setTimeout(r, 50));
      socket.destroy();
      await new Promise((r) => setTimeout(r, 300));
    };
    const before = await logged(registerWithPinoHttp, scenario);
    expect(before).toEqual([
      expect.objectContaining({ msg: 'request aborted', req: expect.objectContaining({ remoteAddress: '127.0.0.1' }) }),
    ]);
    expect(await logged(registerAccessLog, scenario)).toEqual(before);
  });

  it('refuses pino-http options it does not implement instead of ignoring them', () => {
    const params = loggerParams({ nodeEnv: 'test', logLevel: 'info' } as AppConfig, { write: () => undefined });
    const [options, stream] = params.pinoHttp as [Options<IncomingMessage, ServerResponse>, unknown];
    const withProps = { ...params, pinoHttp: [{ ...options, customProps: () => ({ team: 'a' }) }, stream] } as Params;
    expect(() => registerAccessLog(Fastify(), withProps)).toThrow('unsupported pino-http options: customProps');
    expect(() => registerAccessLog(Fastify(), params)).not.toThrow();
  });
});
