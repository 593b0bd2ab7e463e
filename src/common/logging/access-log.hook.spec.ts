import type { IncomingMessage, ServerResponse } from 'node:http';
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

async function linesOf(register: (fastify: FastifyInstance, params: Params) => void): Promise<Line[]> {
  const written: string[] = [];
  const params = loggerParams({ nodeEnv: 'test', logLevel: 'info' } as AppConfig, { write: (line: string) => void written.push(line) });
  const app = Fastify();
  register(app, params);
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
  await app.close();
  return written.map((l) => {
    const line = JSON.parse(l) as Line;
    // What differs between two runs whatever writes them.
    for (const key of ['time', 'pid', 'hostname', 'responseTime']) delete line[key];
    const err = line['err'] as { stack?: string } | undefined;
    if (err?.stack) err.stack = err.stack.split('\n')[0];
    return line;
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
});
