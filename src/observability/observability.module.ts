import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@elastic/elasticsearch';
import {
  Global,
  Inject,
  type DynamicModule,
  Injectable,
  Logger,
  Module,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import { CommandBus } from '@nestjs/cqrs';
import { SpanKind, SpanStatusCode, context, trace, type Span } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-node';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EVENT_STORE, NO_OBSERVER, type EventStore, type StoreObserver } from '@gyroscops/event-store';
import { ProjectionEngine } from '@gyroscops/projections';
import { RequestContextStore } from '@gyroscops/context';
import { version } from '../../package.json';
import { AppConfig } from '../config/app-config';
import { ES_CLIENT } from '../infrastructure/elasticsearch/elasticsearch.tokens';
import { ServiceMetrics } from './service-metrics';
import { CORRELATION_ID_ATTRIBUTE, TRACER_NAME, incomingContext, rememberTraceId, startTracing, type Tracing } from './tracing';

/** The store's metrics hooks (`EsEventStoreOptions.observer`): a no-op unless metrics are on. */
export const STORE_OBSERVER = Symbol('STORE_OBSERVER');
/** The registry and series, or null when metrics are off. */
export const SERVICE_METRICS = Symbol('SERVICE_METRICS');
const TRACING = Symbol('TRACING');

/** How long a scrape waits for the projections' status before answering with the previous values. */
const COLLECT_TIMEOUT_MS = 2000;

export function metricsEnabled(config: AppConfig): boolean {
  return config.metrics.port !== null || config.metrics.token !== null;
}

interface RequestTiming {
  started: number;
  span: Span | null;
}

/**
 * Metrics (Prometheus, prom-client) and tracing (OpenTelemetry), both off unless configured (README "Metrics",
 * "Tracing"). Wires itself around the rest without their knowing: Fastify hooks for requests, a wrapper around the
 * command bus, the Elasticsearch client's diagnostic events, the store's observer, and the projections' status read
 * at scrape time.
 */
@Injectable()
export class Observability implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Observability');
  private server: Server | null = null;
  private readonly timings = new WeakMap<object, RequestTiming>();

  constructor(
    private readonly config: AppConfig,
    @Inject(SERVICE_METRICS) readonly metrics: ServiceMetrics | null,
    @Inject(TRACING) private readonly tracing: Tracing | null,
    @Inject(ES_CLIENT) private readonly client: Client,
    private readonly moduleRef: ModuleRef,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    if (!this.metrics && !this.tracing) return;
    const fastify = this.adapterHost?.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify) this.instrumentHttp(fastify);
    this.instrumentCommands();
    if (this.metrics) this.observeElasticsearch(this.metrics);
    // Without a port of its own, /metrics lives on the main port behind its token (not a controller: no user JWT,
    // no rate limit, not in the OpenAPI document).
    if (fastify && this.metrics && this.config.metrics.port === null) {
      fastify.get('/metrics', (request, reply) => this.answer(request.headers.authorization, reply));
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.metrics || this.config.metrics.port === null) return;
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"NotFound","message":"Only GET /metrics here"}');
        return;
      }
      void this.render(req.headers.authorization).then(({ status, type, body }) =>
        res.writeHead(status, { 'content-type': type }).end(body),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.metrics.port as number, this.config.host, () => resolve());
    });
    this.server = server;
    const { port } = server.address() as AddressInfo;
    this.logger.log(`Metrics at http://${this.config.host}:${port}/metrics${this.config.metrics.token ? ' (bearer token required)' : ''}`);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.server) {
      const server = this.server;
      // Scrapers keep connections alive: end them so closing does not wait for their timeout.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    this.server = null;
    await this.tracing?.shutdown();
  }

  /** Where the separate metrics listener listens (null when there is none). */
  metricsAddress(): AddressInfo | null {
    return (this.server?.address() as AddressInfo | null) ?? null;
  }

  /** The scrape: consumers' state read now, then every series in the Prometheus text format. */
  async render(authorization: string | undefined): Promise<{ status: number; type: string; body: string }> {
    const metrics = this.metrics;
    if (!metrics) return { status: 404, type: 'application/json', body: '{"error":"NotFound","message":"Metrics are off"}' };
    if (!this.authorized(authorization)) {
      return { status: 401, type: 'application/json', body: '{"error":"Unauthorized","message":"Metrics need their bearer token"}' };
    }
    await this.collectConsumers(metrics);
    return { status: 200, type: metrics.registry.contentType, body: await metrics.registry.metrics() };
  }

  private async answer(authorization: string | undefined, reply: FastifyReply): Promise<void> {
    const { status, type, body } = await this.render(authorization);
    await reply.code(status).header('content-type', type).send(body);
  }

  private authorized(header: string | undefined): boolean {
    const token = this.config.metrics.token;
    if (!token) return true;
    const given = Buffer.from(/^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '');
    const expected = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private async collectConsumers(metrics: ServiceMetrics): Promise<void> {
    const engine = this.optional(ProjectionEngine);
    const store = this.optional<EventStore>(EVENT_STORE);
    try {
      const [statuses, head] = await Promise.race([
        Promise.all([engine ? engine.status() : Promise.resolve([]), store ? store.headPosition() : Promise.resolve(null)]),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), COLLECT_TIMEOUT_MS).unref()),
      ]);
      metrics.recordConsumers(statuses);
      if (head !== null) metrics.logHead.set(head);
    } catch {
      metrics.scrapeErrors.inc();
    }
  }

  private optional<T>(token: symbol | (abstract new (...args: never[]) => T)): T | null {
    try {
      return this.moduleRef.get<T>(token as symbol, { strict: false });
    } catch {
      return null;
    }
  }

  /** Per request: a server span (child of an incoming `traceparent`), and the latency histogram by route and status. */
  private instrumentHttp(fastify: FastifyInstance): void {
    const tracer = trace.getTracer(TRACER_NAME, version);
    fastify.addHook('onRequest', (request, _reply, done) => {
      const timing: RequestTiming = { started: performance.now(), span: null };
      this.timings.set(request.raw, timing);
      if (!this.tracing) return done();
      const route = routeOf(request);
      const span = tracer.startSpan(
        `${request.method} ${route}`,
        {
          kind: SpanKind.SERVER,
          attributes: { 'http.request.method': request.method, 'http.route': route, 'url.path': request.url.split('?')[0] },
        },
        incomingContext(request.raw),
      );
      const correlationId = RequestContextStore.current()?.correlationId;
      if (correlationId) span.setAttribute(CORRELATION_ID_ATTRIBUTE, correlationId);
      timing.span = span;
      rememberTraceId(request.raw, span.spanContext().traceId);
      context.with(trace.setSpan(context.active(), span), done);
    });
    if (this.tracing) {
      // The body is parsed outside the request's async context (see the request-context hook): re-enter the span.
      fastify.addHook('preValidation', (request, _reply, done) => {
        const span = this.timings.get(request.raw)?.span;
        if (span) context.with(trace.setSpan(context.active(), span), done);
        else done();
      });
    }
    fastify.addHook('onResponse', (request, reply, done) => {
      const timing = this.timings.get(request.raw);
      const route = routeOf(request);
      if (timing && this.metrics) {
        this.metrics.httpRequests.observe(
          { method: request.method, route, status_code: String(reply.statusCode) },
          (performance.now() - timing.started) / 1000,
        );
      }
      if (timing?.span) {
        timing.span.setAttribute('http.response.status_code', reply.statusCode);
        if (reply.statusCode >= 500) timing.span.setStatus({ code: SpanStatusCode.ERROR });
        timing.span.end();
      }
      done();
    });
  }

  /** Per command: a span and the command histogram, by command class and outcome (ok or the error's code). */
  private instrumentCommands(): void {
    const bus = this.optional(CommandBus);
    if (!bus) return;
    const tracer = trace.getTracer(TRACER_NAME, version);
    const execute = bus.execute.bind(bus) as (command: object, ...rest: unknown[]) => Promise<unknown>;
    const run = (command: object, rest: unknown[], span: Span | null): Promise<unknown> => {
      const started = performance.now();
      const name = commandNameOf(command);
      const finish = (outcome: string) => {
        this.metrics?.commands.observe({ command: name, outcome }, (performance.now() - started) / 1000);
        span?.end();
      };
      return execute(command, ...rest).then(
        (result) => {
          finish('ok');
          return result;
        },
        (error: unknown) => {
          const code = (error as { code?: unknown })?.code;
          span?.recordException(error as Error);
          span?.setStatus({ code: SpanStatusCode.ERROR });
          finish(typeof code === 'string' ? code.slice(0, 64) : 'error');
          throw error;
        },
      );
    };
    // Patched on the one CommandBus instance: controllers, handlers and sagas all execute through it.
    (bus as unknown as { execute: typeof execute }).execute = (command: object, ...rest: unknown[]) =>
      this.tracing
        ? tracer.startActiveSpan(`command ${commandNameOf(command)}`, (span) => run(command, rest, span))
        : run(command, rest, null);
  }

  /** Counts the client's requests and errors (after its own retries) from its diagnostic events. */
  private observeElasticsearch(metrics: ServiceMetrics): void {
    this.client.diagnostic.on('response', (error, result) => {
      metrics.esRequests.inc({ result: error ? 'error' : 'ok' });
      if (!error) return;
      const status = (error as { meta?: { statusCode?: number } }).meta?.statusCode ?? result?.statusCode ?? null;
      metrics.esErrors.inc({ type: error.name, status_code: status === null ? '' : String(status) });
    });
  }
}

/** A command's name in metrics and traces: its own `commandName` (one class carrying a decider's commands), else its class's. */
function commandNameOf(command: object): string {
  const named = (command as { commandName?: unknown }).commandName;
  return typeof named === 'string' ? named : (command.constructor?.name ?? 'Command');
}

function routeOf(request: FastifyRequest): string {
  return request.routeOptions?.url ?? 'unmatched';
}

/**
 * Global: the event store module injects STORE_OBSERVER. Metrics are on when METRICS_PORT or METRICS_TOKEN is set;
 * tracing when TRACING_ENABLED=true.
 */
@Global()
@Module({})
export class ObservabilityModule {
  /** `spanExporter` replaces the OTLP exporter (tests read spans from memory). */
  static forRoot(options: { spanExporter?: SpanExporter } = {}): DynamicModule {
    return {
      module: ObservabilityModule,
      providers: [
        {
          provide: SERVICE_METRICS,
          inject: [AppConfig],
          useFactory: (config: AppConfig) => (metricsEnabled(config) ? new ServiceMetrics() : null),
        },
        {
          provide: STORE_OBSERVER,
          inject: [SERVICE_METRICS],
          useFactory: (metrics: ServiceMetrics | null): StoreObserver => metrics?.storeObserver() ?? NO_OBSERVER,
        },
        {
          provide: TRACING,
          inject: [AppConfig],
          useFactory: (config: AppConfig) => (config.tracing.enabled ? startTracing(config.tracing, version, options.spanExporter) : null),
        },
        Observability,
      ],
      exports: [STORE_OBSERVER, SERVICE_METRICS, Observability],
    };
  }
}
