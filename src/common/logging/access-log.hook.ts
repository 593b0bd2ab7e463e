import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Params } from 'nestjs-pino';
// nestjs-pino's request-scoped logger store: what its own middleware fills (`bindLoggerMiddleware`), not re-exported.
import { Store, storage } from 'nestjs-pino/storage';
import { pino, stdSerializers, type DestinationStream, type Level, type Logger } from 'pino';
import type { Options } from 'pino-http';

type AccessOptions = Options<IncomingMessage, ServerResponse>;
type RequestWithId = IncomingMessage & { id?: unknown };

/**
 * nestjs-pino's settings without its middleware: the access log is written from a Fastify `onRequest` hook instead
 * (`registerAccessLog`), so requests do not go through Nest's middleware layer (`@fastify/middie`).
 */
export function withoutLoggerMiddleware(params: Params): Params {
  return { ...params, forRoutes: [], useExisting: true };
}

/**
 * The request-bound logger of nestjs-pino's store, made on first use: most requests log nothing but their access
 * line, and a pino child logger per request was a tenth of a small request's CPU.
 */
class LazyRequestStore {
  private own: Logger | undefined;

  constructor(
    private readonly base: Logger,
    private readonly reqId: unknown,
  ) {}

  get logger(): Logger {
    this.own ??= this.base.child({ reqId: this.reqId });
    return this.own;
  }

  // nestjs-pino's `PinoLogger.assign` replaces it with a child of itself.
  set logger(value: Logger) {
    this.own = value;
  }
}

/** pino-http options this hook does not implement (none is set by loggerParams): refused rather than ignored. */
const UNSUPPORTED = [
  'customProps',
  'customAttributeKeys',
  'customSuccessMessage',
  'customErrorMessage',
  'customReceivedMessage',
  'customReceivedObject',
  'useLevel',
  'quietResLogger',
  'wrapSerializers',
  'logger',
  'stream',
];

/**
 * The access log and the request-bound logger, written with the settings nestjs-pino gives `pino-http` (the
 * `pinoHttp` params: level, serializers, redaction, `genReqId`, `customLogLevel`, `customSuccessObject`,
 * `customErrorObject`, `autoLogging.ignore`), and the lines `pino-http` writes with them (`reqId`, `req`, `res`,
 * `responseTime`; "request completed", "request aborted" or "request errored"; access-log.hook.spec.ts compares
 * both), from a Fastify `onRequest` hook, without `pino-http`'s two child loggers per request: lines logged while
 * serving a request go through a child logger (`reqId`) made only when one is logged.
 * Register it where Nest ran its middleware (@fastify/middie's hook, added by NestFactory.create): before the
 * application's own `onRequest` hooks.
 */
export function registerAccessLog(fastify: FastifyInstance, params: Params): void {
  const access = accessLogger(params);
  fastify.addHook('onRequest', (request, reply, done) => {
    const reqId = access.begin(request.raw, reply.raw);
    // The store's shape is all nestjs-pino reads (`logger`, and `assign` writes it); Store itself would make the child.
    storage.run(new LazyRequestStore(access.logger, reqId) as unknown as Store, done);
  });
}

/** What `registerAccessLog` does per request, apart from Fastify: `begin` when a request arrives. */
function accessLogger(params: Params): { logger: Logger; begin(req: IncomingMessage, res: ServerResponse): unknown } {
  // The arguments nestjs-pino gives pino-http: `[options, stream]` or `options`.
  const [given, stream] = (Array.isArray(params.pinoHttp) ? params.pinoHttp : [params.pinoHttp ?? {}]) as [
    AccessOptions,
    DestinationStream?,
  ];
  const { genReqId, customLogLevel, customSuccessObject, customErrorObject, autoLogging, quietReqLogger, ...loggerOptions } =
    given as AccessOptions & { quietReqLogger?: boolean };
  const unsupported = UNSUPPORTED.filter((k) => k in given);
  if (quietReqLogger === false) unsupported.push('quietReqLogger: false');
  if (unsupported.length > 0) throw new Error(`registerAccessLog: unsupported pino-http options: ${unsupported.join(', ')}`);
  const serializers = { ...(loggerOptions.serializers ?? {}) };
  // As pino-http wraps them: `req` and `res` serializers receive pino's mapped request and response.
  serializers.req = stdSerializers.wrapRequestSerializer(serializers.req ?? stdSerializers.req);
  serializers.res = stdSerializers.wrapResponseSerializer(serializers.res ?? stdSerializers.res);
  serializers.err = stdSerializers.wrapErrorSerializer(serializers.err ?? stdSerializers.err);
  const logger = stream ? pino({ ...loggerOptions, serializers }, stream) : pino({ ...loggerOptions, serializers });
  const levels = new Set([...Object.keys(logger.levels.values), 'silent']);
  const ignore = typeof autoLogging === 'object' && autoLogging.ignore ? autoLogging.ignore : null;
  const logs = autoLogging !== false;
  let nextId = 0;

  const levelOf = (req: IncomingMessage, res: ServerResponse, err?: Error): Level => {
    const wanted = customLogLevel ? customLogLevel(req, res, err) : 'info';
    return (typeof wanted === 'string' && levels.has(wanted.trim()) ? wanted.trim() : 'info') as Level;
  };

  const finished = (req: RequestWithId, res: ServerResponse & { err?: Error }, start: number, err?: Error): void => {
    const responseTime = Date.now() - start;
    const level = levelOf(req, res, err);
    if ((level as string) === 'silent') return;
    if (err || res.err || res.statusCode >= 500) {
      const error = err ?? res.err ?? new Error(`failed with status code ${res.statusCode}`);
      const value = { res, err: error, responseTime };
      const line = customErrorObject ? customErrorObject(req, res, error, value) : value;
      logger[level]({ reqId: req.id, req, ...line }, 'request errored');
      return;
    }
    const value = { res, responseTime };
    const line = customSuccessObject ? customSuccessObject(req, res, value) : value;
    const message = !req.readableAborted && res.writableEnded ? 'request completed' : 'request aborted';
    logger[level]({ reqId: req.id, req, ...line }, message);
  };

  return {
    logger,
    begin(req: RequestWithId, res: ServerResponse) {
      req.id ??= genReqId ? genReqId(req, res) : (nextId = (nextId + 1) & 0x7fffffff);
      if (logs) {
        // Read now, as pino-http's child logger bindings did: the socket of a request its client gave up on no longer
        // knows its peer (Node caches the address once read).
        void req.socket?.remoteAddress;
        const start = Date.now();
        const done = (err?: Error): void => {
          res.removeListener('close', done);
          res.removeListener('finish', done);
          res.removeListener('error', done);
          finished(req, res, start, err);
        };
        // As pino-http: an error on the response is handled and logged even for a request not access-logged.
        if (!(ignore && ignore(req))) {
          res.on('close', done);
          res.on('finish', done);
        }
        res.on('error', done);
      }
      return req.id;
    },
  };
}
