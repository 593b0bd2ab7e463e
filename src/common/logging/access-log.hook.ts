import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Params } from 'nestjs-pino';
// nestjs-pino's request-scoped logger store: what its own middleware fills (`bindLoggerMiddleware`), not re-exported.
import { Store, storage } from 'nestjs-pino/storage';
import { pinoHttp, type Options } from 'pino-http';
import type { DestinationStream } from 'pino';

type RequestWithLogs = IncomingMessage & { allLogs?: Store['logger'][] };

/**
 * nestjs-pino's settings without its middleware: the access log is written from a Fastify `onRequest` hook instead
 * (`registerAccessLog`), so requests do not go through Nest's middleware layer (`@fastify/middie`).
 */
export function withoutLoggerMiddleware(params: Params): Params {
  return { ...params, forRoutes: [], useExisting: true };
}

/**
 * The access log and the request-bound logger, as nestjs-pino's middleware set them up (the same `pino-http`
 * instance and settings, so the same lines), from a Fastify `onRequest` hook: `pino-http` logs the access line when
 * the response finishes, and lines logged while serving the request go through its child logger (`reqId`).
 * Register it where Nest ran its middleware (@fastify/middie's hook, added by NestFactory.create): before the
 * application's own `onRequest` hooks.
 */
export function registerAccessLog(fastify: FastifyInstance, params: Params): void {
  // The arguments nestjs-pino gives pino-http: `[options, stream]` or `options`.
  const args = (Array.isArray(params.pinoHttp) ? params.pinoHttp : [params.pinoHttp ?? {}]) as [
    Options<IncomingMessage, ServerResponse>,
    DestinationStream?,
  ];
  const httpLogger = pinoHttp(...args);
  fastify.addHook('onRequest', (request, reply, done) => {
    const req = request.raw as RequestWithLogs;
    httpLogger(req, reply.raw);
    storage.run(new Store(req.allLogs?.[req.allLogs.length - 1] ?? httpLogger.logger), done);
  });
}
