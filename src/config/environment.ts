import 'reflect-metadata';
import {
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  isURL,
} from 'class-validator';
import { LOG_LEVELS, type LogLevel, type NodeEnv } from './app-config';

const integer = (min: number, max?: number) =>
  max === undefined ? `must be an integer of at least ${min}` : `must be an integer from ${min} to ${max}`;

/**
 * The environment variables the service reads, with their defaults. Values arrive as strings and are
 * converted by type before validation; each rule carries the one-line message shown at start-up.
 */
export class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'], { message: 'must be one of development, production, test' })
  NODE_ENV: NodeEnv = 'development';

  @IsInt({ message: integer(0, 65535) })
  @Min(0, { message: integer(0, 65535) })
  @Max(65535, { message: integer(0, 65535) })
  PORT: number = 3000;

  @IsString()
  @MinLength(1, { message: 'must not be empty' })
  HOST: string = '0.0.0.0';

  // One URL, or several comma-separated (the nodes of a cluster: the client spreads requests and skips dead ones).
  @ValidateBy(
    {
      name: 'isUrlList',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          value.split(',').every((url) => isURL(url.trim(), { require_tld: false, require_protocol: true, protocols: ['http', 'https'] })),
      },
    },
    { message: 'must be an http(s) URL such as http://127.0.0.1:9200' },
  )
  ES_NODE: string = 'http://127.0.0.1:9200';

  @Matches(/^[a-z0-9][a-z0-9_-]{0,47}$/, {
    message: 'must be 1-48 characters of lowercase letters, digits, "-" or "_", starting with a letter or digit',
  })
  ES_INDEX_PREFIX: string = 'gyroscops';

  @IsInt({ message: integer(0, 10) })
  @Min(0, { message: integer(0, 10) })
  @Max(10, { message: integer(0, 10) })
  ES_NUMBER_OF_REPLICAS: number = 0;

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters (256 bits) for HS256' })
  AUTH_JWT_SECRET?: string;

  @IsOptional()
  @IsString()
  AUTH_JWT_PUBLIC_KEY?: string;

  @IsOptional()
  @IsString()
  @MaxLength(512)
  AUTH_JWT_ISSUER?: string;

  @IsOptional()
  @IsString()
  @MaxLength(512)
  AUTH_JWT_AUDIENCE?: string;

  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';

  @IsInt({ message: integer(1024) })
  @Min(1024, { message: integer(1024) })
  BODY_LIMIT_BYTES: number = 10 * 1024 * 1024;

  // Off by default: the callers are internal services, and any per-caller limit the service can reach throttles one
  // of them at full throughput (README, Rate limits).
  @IsInt({ message: `${integer(0)} (0, the default, sets no limit)` })
  @Min(0, { message: `${integer(0)} (0, the default, sets no limit)` })
  THROTTLE_LIMIT: number = 0;

  @IsInt({ message: `${integer(0)} (0 sets no limit)` })
  @Min(0, { message: `${integer(0)} (0 sets no limit)` })
  THROTTLE_EXPENSIVE_LIMIT: number = 10;

  @IsInt({ message: integer(1000) })
  @Min(1000, { message: integer(1000) })
  THROTTLE_TTL_MS: number = 60_000;

  @IsOptional()
  @IsString()
  CORS_ORIGINS?: string;

  @IsIn(['true', 'false'], { message: 'must be true or false' })
  TRUST_PROXY: string = 'false';

  @IsInt({ message: integer(1) })
  @Min(1, { message: integer(1) })
  PROJECTION_LAG_THRESHOLD: number = 1000;

  @IsInt({ message: integer(100, 600000) })
  @Min(100, { message: integer(100, 600000) })
  @Max(600000, { message: integer(100, 600000) })
  EVENT_STORE_APPEND_TIMEOUT_MS: number = 15000;

  // The events index's layout (README "Scaling"): fixed when the index is created; a change needs a new index prefix.
  @IsInt({ message: integer(1, 1024) })
  @Min(1, { message: integer(1, 1024) })
  @Max(1024, { message: integer(1, 1024) })
  EVENT_STORE_EVENTS_SHARDS: number = 1;

  @IsIn(['none', 'organization'], { message: 'must be one of none, organization' })
  EVENT_STORE_EVENTS_ROUTING: 'none' | 'organization' = 'none';

  /** Event types that are pure telemetry and the age past which they are out of reach: `Heartbeat=7d,MetricSampled=24h`. */
  @IsOptional()
  @IsString()
  EVENT_STORE_TELEMETRY_RETENTION?: string;

  // GET /v1/log/stream (README "Following the log from another service").
  @IsInt({ message: integer(100, 600000) })
  @Min(100, { message: integer(100, 600000) })
  @Max(600000, { message: integer(100, 600000) })
  LOG_STREAM_HEARTBEAT_MS: number = 15000;

  @IsInt({ message: integer(10, 100000) })
  @Min(10, { message: integer(10, 100000) })
  @Max(100000, { message: integer(10, 100000) })
  LOG_STREAM_BUFFER_EVENTS: number = 1000;

  @IsInt({ message: `${integer(0)} (0, the default, sets no limit)` })
  @Min(0, { message: `${integer(0)} (0, the default, sets no limit)` })
  LOG_STREAM_MAX_CONNECTION_MS: number = 0;

  // Metrics (README "Metrics"): off unless a port or a token is set; never behind the user JWT.
  @IsOptional()
  @IsInt({ message: integer(0, 65535) })
  @Min(0, { message: integer(0, 65535) })
  @Max(65535, { message: integer(0, 65535) })
  METRICS_PORT?: number;

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  METRICS_TOKEN?: string;

  // Tracing (README "Tracing"): off by default.
  @IsIn(['true', 'false'], { message: 'must be true or false' })
  TRACING_ENABLED: string = 'false';

  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { message: 'must be an http(s) URL such as http://127.0.0.1:4318' },
  )
  OTEL_EXPORTER_OTLP_ENDPOINT: string = 'http://127.0.0.1:4318';

  @Matches(/^[A-Za-z0-9._-]{1,64}$/, { message: 'must be 1-64 characters of letters, digits, ".", "_" or "-"' })
  OTEL_SERVICE_NAME: string = 'gyroscops';

  @IsNumber({}, { message: 'must be a number from 0 to 1' })
  @Min(0, { message: 'must be a number from 0 to 1' })
  @Max(1, { message: 'must be a number from 0 to 1' })
  TRACING_SAMPLE_RATIO: number = 1;
}

export type EnvironmentVariableName = keyof EnvironmentVariables;

/** Every variable the service reads; nothing else is taken from the environment. */
export const ENVIRONMENT_VARIABLE_NAMES: readonly EnvironmentVariableName[] = [
  'NODE_ENV',
  'PORT',
  'HOST',
  'ES_NODE',
  'ES_INDEX_PREFIX',
  'ES_NUMBER_OF_REPLICAS',
  'AUTH_JWT_SECRET',
  'AUTH_JWT_PUBLIC_KEY',
  'AUTH_JWT_ISSUER',
  'AUTH_JWT_AUDIENCE',
  'LOG_LEVEL',
  'BODY_LIMIT_BYTES',
  'THROTTLE_LIMIT',
  'THROTTLE_EXPENSIVE_LIMIT',
  'THROTTLE_TTL_MS',
  'CORS_ORIGINS',
  'TRUST_PROXY',
  'PROJECTION_LAG_THRESHOLD',
  'EVENT_STORE_APPEND_TIMEOUT_MS',
  'EVENT_STORE_TELEMETRY_RETENTION',
  'EVENT_STORE_EVENTS_SHARDS',
  'EVENT_STORE_EVENTS_ROUTING',
  'LOG_STREAM_HEARTBEAT_MS',
  'LOG_STREAM_BUFFER_EVENTS',
  'LOG_STREAM_MAX_CONNECTION_MS',
  'METRICS_PORT',
  'METRICS_TOKEN',
  'TRACING_ENABLED',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_SERVICE_NAME',
  'TRACING_SAMPLE_RATIO',
];

/** Values never echoed in error messages. */
export const SECRET_VARIABLES: ReadonlySet<string> = new Set<EnvironmentVariableName>([
  'AUTH_JWT_SECRET',
  'AUTH_JWT_PUBLIC_KEY',
  'METRICS_TOKEN',
]);
