import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import { destination as pinoDestination, type DestinationStream, type SerializedRequest, type SerializedResponse } from 'pino';
import type { Options } from 'pino-http';
import { RequestContextStore } from '@gyroscops/context';
import type { AppConfig } from '../../config/app-config';
import { correlationIdOf } from '../request-context/correlation-id';

/**
 * nestjs-pino settings: JSON lines with the correlation id on each (from the request context, or from
 * the request itself for the access log line), credentials redacted, health probes not access-logged.
 */
export function loggerParams(config: AppConfig, destination?: DestinationStream): Params {
  const pretty = !destination && config.nodeEnv === 'development' && process.stdout.isTTY === true && prettyPrinterInstalled();
  const options: Options<IncomingMessage, ServerResponse> = {
    level: config.logLevel,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'headers.authorization', 'headers.cookie'],
      censor: '[redacted]',
    },
    genReqId: (req) => correlationIdOf(req),
    // Lines logged while serving a request carry `reqId`, not the whole request; the access line has it.
    quietReqLogger: true,
    serializers: {
      req: (req: SerializedRequest) => ({
        id: req.id,
        method: req.method,
        url: req.url,
        remoteAddress: req.remoteAddress,
        userAgent: req.headers['user-agent'],
      }),
      res: (res: SerializedResponse) => ({ statusCode: res.statusCode }),
    },
    mixin: () => {
      const context = RequestContextStore.current();
      return context ? { correlationId: context.correlationId } : {};
    },
    customSuccessObject: (req, _res, value: Record<string, unknown>) => ({ ...value, correlationId: correlationIdOf(req) }),
    customErrorObject: (req, _res, _error, value: Record<string, unknown>) => ({ ...value, correlationId: correlationIdOf(req) }),
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    autoLogging: { ignore: (req) => requestPath(req).startsWith('/health/') },
    transport: pretty ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } } : undefined,
  };
  const stream = destination ?? (pretty ? undefined : stdoutDestination());
  return { pinoHttp: stream ? [options, stream] : options };
}

/** How long a log line may wait in the buffer before it is written (under load the buffer fills first). */
const LOG_FLUSH_MS = 250;
const LOG_BUFFER_BYTES = 4096;
let stdout: DestinationStream | undefined;

/**
 * Standard output, buffered and written asynchronously: pino's default writes each line with a blocking write(2) on
 * the event loop, one system call per request (an eighth of a search's service CPU in the bench profile). Lines are
 * written once 4 KB have gathered, or after at most 250 ms; pino writes what is left synchronously when the process
 * exits (also after an uncaught exception), so only a SIGKILL or a crash of the machine loses the last lines. One
 * stream per process, so that apps in one process never interleave their writes.
 */
function stdoutDestination(): DestinationStream {
  if (!stdout) {
    const stream = pinoDestination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES });
    const timer = setInterval(() => {
      try {
        stream.flush();
      } catch {
        clearInterval(timer); // destroyed: the process is exiting
      }
    }, LOG_FLUSH_MS).unref();
    stdout = stream;
  }
  return stdout;
}

// Middleware may see a path-stripped `url`; `originalUrl` keeps the full one.
function requestPath(req: IncomingMessage & { originalUrl?: string }): string {
  return req.originalUrl ?? req.url ?? '';
}

// pino-pretty is a dev dependency: absent from production images even if run with NODE_ENV=development.
function prettyPrinterInstalled(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}
