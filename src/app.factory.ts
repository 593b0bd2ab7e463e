import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { Logger, PARAMS_PROVIDER_TOKEN, type Params } from 'nestjs-pino';
import { version } from '../package.json';
import { AppModule, type AppModuleOptions } from './app.module';
import { JwtVerifier } from './auth/jwt-verifier';
import { CORRELATION_ID_HEADER, correlationIdOf } from './common/request-context/correlation-id';
import { registerAccessLog } from './common/logging/access-log.hook';
import { registerRequestContextHooks } from './common/request-context/request-context.hook';
import { registerMethodNotAllowed } from './common/http/method-not-allowed';
import { registerSecurityHeaders } from './common/http/security-headers';
import type { AppConfig } from './config/app-config';
import { loadConfig, type Env } from './config/load-config';
import { setupOpenApi } from './openapi';
import { serveExplorer } from './explorer/serve-explorer';

export interface CreateAppOptions extends AppModuleOptions {
  /** Use this configuration as is instead of reading process.env and the overrides. */
  config?: AppConfig;
}

/**
 * Builds the fully configured application (the same hooks, guards, pipes, filters, security headers
 * and docs as production), initialised and ready, but not listening: call `app.listen(...)`, or hand
 * `app.getHttpServer()` to supertest. The configuration is process.env with `envOverrides` on top.
 * Throws ConfigValidationError when the configuration is invalid.
 */
export async function createApp(envOverrides: Env = {}, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const config = options.config ?? loadConfig({ ...process.env, ...envOverrides });
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    // Aggregate ids may be 256 characters; longer ones reach validation and get a 400, not a 414.
    routerOptions: { maxParamLength: 2048 },
    trustProxy: config.trustProxy,
    genReqId: (req: IncomingMessage) => correlationIdOf(req),
    logger: false,
    // Requests arriving while closing are answered by registerGracefulClose, in the service's error shape.
    return503OnClosing: false,
    // No Nest middleware: the access log is a Fastify hook (registerAccessLog), so @fastify/middie is not registered.
    skipMiddie: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, options), adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  // Where @fastify/middie ran nestjs-pino's middleware (registered by NestFactory.create): before the hooks below,
  // so that every answer they send (405, 503 while closing) is access-logged and the request context nests in it.
  registerAccessLog(app.getHttpAdapter().getInstance(), app.get<Params>(PARAMS_PROVIDER_TOKEN));

  // TLS ends at the load balancer: don't make browsers upgrade the docs' assets to https.
  registerSecurityHeaders(app.getHttpAdapter().getInstance(), { contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
  if (config.corsOrigins) {
    app.enableCors({ origin: config.corsOrigins.includes('*') ? true : [...config.corsOrigins], exposedHeaders: [CORRELATION_ID_HEADER] });
  }
  registerRequestContextHooks(app.getHttpAdapter().getInstance(), app.get(JwtVerifier));
  registerGracefulClose(app.getHttpAdapter().getInstance());
  registerMethodNotAllowed(app.getHttpAdapter().getInstance());
  setupOpenApi(app, version);
  serveExplorer(app, config);

  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/**
 * Once closing starts, every response ends its connection: an in-flight request on a keep-alive connection
 * would otherwise hold the server open until the keep-alive timeout after its response.
 */
function registerGracefulClose(fastify: FastifyInstance): void {
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    void reply
      .code(503)
      .header('connection', 'close')
      .header('retry-after', '1')
      .send({ error: 'ServiceUnavailable', message: 'This instance is shutting down; retry the request' });
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
}
