import type { TelemetryRetention } from '@gyroscops/event-store';
import type { EventsIndexLayout } from '@gyroscops/event-store/elasticsearch';

export type NodeEnv = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** How access tokens are verified: the algorithm is pinned to the kind of key configured. */
export type JwtVerificationKey =
  { readonly algorithm: 'HS256'; readonly secret: string } | { readonly algorithm: 'RS256'; readonly publicKey: string };

export interface AuthConfig {
  readonly key: JwtVerificationKey;
  readonly issuer?: string;
  readonly audience?: string;
  /** True when no key was configured and the built-in development secret is used (never in production). */
  readonly usingDevelopmentSecret: boolean;
}

/** Prometheus metrics: served at `/metrics` on their own port, or on the main port behind their own token. */
export interface MetricsConfig {
  /** Port of the separate metrics listener (0: any free port); null: none. */
  readonly port: number | null;
  /** When set, `/metrics` requires `Authorization: Bearer <token>` (and is served on the main port if no port is set). */
  readonly token: string | null;
}

/** OpenTelemetry tracing (off by default): spans per request, command and Elasticsearch round trip, exported over OTLP/HTTP. */
export interface TracingConfig {
  readonly enabled: boolean;
  /** OTLP/HTTP base URL; traces go to `<endpoint>/v1/traces`. */
  readonly otlpEndpoint: string;
  readonly serviceName: string;
  /** Share of new traces recorded (a parent's decision is followed). */
  readonly sampleRatio: number;
}

export interface LogStreamConfig {
  readonly heartbeatMs: number;
  readonly bufferEvents: number;
  readonly maxConnectionMs: number;
}

export interface ThrottleConfig {
  /** Requests allowed per caller, route and window on every route; 0 (the default) sets no such limit. */
  readonly limit: number;
  /** Requests allowed per caller, route and window on routes marked @ExpensiveOperation(); 0 sets no such limit. */
  readonly expensiveLimit: number;
  readonly ttlMs: number;
}

/**
 * The service's configuration, read and validated once at start-up (see `loadConfig`).
 * Injected by class: `constructor(private readonly config: AppConfig)`.
 */
export class AppConfig {
  readonly nodeEnv!: NodeEnv;
  readonly port!: number;
  readonly host!: string;
  /** The first of `esNodes` (for messages). */
  readonly esNode!: string;
  /** Every Elasticsearch node given in ES_NODE (comma-separated). */
  readonly esNodes!: readonly string[];
  /** Every index the service creates starts with `<esIndexPrefix>-`. */
  readonly esIndexPrefix!: string;
  readonly esNumberOfReplicas!: number;
  readonly auth!: AuthConfig;
  readonly logLevel!: LogLevel;
  readonly bodyLimitBytes!: number;
  readonly throttle!: ThrottleConfig;
  /** Allowed CORS origins; null leaves CORS off. `['*']` allows any origin. */
  readonly corsOrigins!: readonly string[] | null;
  /** Trust X-Forwarded-* headers (behind a load balancer), so the client IP is the real one. */
  readonly trustProxy!: boolean;
  /** Events a projection may lag behind the head before readiness reports it. */
  readonly projectionLagThreshold!: number;
  /** Longest an append may wait (queueing and transient-failure retries) before answering 503. */
  readonly appendTimeoutMs!: number;
  /** Event types that are pure telemetry, with the age (seconds) past which reads no longer show them (scavenging removes them). */
  readonly telemetryRetention!: TelemetryRetention;
  /** The events index's primary shards and routing (`none`, or `organization`: a tenant's search reads one shard). */
  readonly eventsIndex!: EventsIndexLayout;
  /** `GET /v1/log/stream`: heartbeat period, events buffered per slow client before it is dropped, connection lifetime (0: none). */
  readonly logStream!: LogStreamConfig;
  readonly metrics!: MetricsConfig;
  readonly tracing!: TracingConfig;

  constructor(values: AppConfigValues) {
    Object.assign(this, values);
    Object.freeze(this.auth.key);
    Object.freeze(this.auth);
    Object.freeze(this.throttle);
    Object.freeze(this.logStream);
    Object.freeze(this.esNodes);
    Object.freeze(this.metrics);
    Object.freeze(this.tracing);
    Object.freeze(this.telemetryRetention);
    Object.freeze(this.eventsIndex);
    if (this.corsOrigins) Object.freeze(this.corsOrigins);
    Object.freeze(this);
  }

  get isProduction(): boolean {
    return this.nodeEnv === 'production';
  }
}

export type AppConfigValues = Omit<AppConfig, 'isProduction'>;
