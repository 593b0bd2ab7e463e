import { createPublicKey } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { parseTelemetryRetention, TelemetryRetentionError, type TelemetryRetention } from '@gyroscops/event-store';
import { AppConfig, type AuthConfig } from './app-config';
import { ENVIRONMENT_VARIABLE_NAMES, EnvironmentVariables, SECRET_VARIABLES, type EnvironmentVariableName } from './environment';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Development-only HS256 secret, used when neither AUTH_JWT_SECRET nor AUTH_JWT_PUBLIC_KEY is set
 * outside production. Public on purpose: tokens signed with it are worthless anywhere that matters.
 */
export const DEVELOPMENT_JWT_SECRET = 'gyroscops-development-secret-do-not-use-in-production';

/** One line per bad value; `message` lists them all, ready to print at start-up. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

/**
 * Reads and validates the configuration from an explicit environment (process.env by default).
 * Empty values count as unset. Throws ConfigValidationError listing every bad value.
 */
export function loadConfig(env: Env = process.env): AppConfig {
  const raw: Partial<Record<EnvironmentVariableName, string>> = {};
  for (const name of ENVIRONMENT_VARIABLE_NAMES) {
    const value = env[name]?.trim();
    if (value) raw[name] = value;
  }

  const vars = plainToInstance(EnvironmentVariables, raw, { enableImplicitConversion: true });
  const problems = validateSync(vars, { stopAtFirstError: true }).map((error) => {
    const property = error.property as EnvironmentVariableName;
    const shown = SECRET_VARIABLES.has(property) ? '' : `=${JSON.stringify(raw[property] ?? '')}`;
    const message = Object.values(error.constraints ?? {})[0] ?? 'is invalid';
    return `${property}${shown}: ${message}`;
  });

  const auth = authConfig(vars, problems);
  const corsOrigins = parseCorsOrigins(vars.CORS_ORIGINS, problems);
  const telemetryRetention = parseTelemetry(vars.EVENT_STORE_TELEMETRY_RETENTION, problems);
  if (problems.length > 0) throw new ConfigValidationError(problems);
  const esNodes = vars.ES_NODE.split(',').map((url) => url.trim().replace(/\/+$/, ''));

  return new AppConfig({
    nodeEnv: vars.NODE_ENV,
    port: vars.PORT,
    host: vars.HOST,
    esNode: esNodes[0],
    esNodes,
    esIndexPrefix: vars.ES_INDEX_PREFIX,
    esNumberOfReplicas: vars.ES_NUMBER_OF_REPLICAS,
    auth: auth!,
    logLevel: vars.LOG_LEVEL,
    bodyLimitBytes: vars.BODY_LIMIT_BYTES,
    throttle: { limit: vars.THROTTLE_LIMIT, expensiveLimit: vars.THROTTLE_EXPENSIVE_LIMIT, ttlMs: vars.THROTTLE_TTL_MS },
    corsOrigins,
    trustProxy: vars.TRUST_PROXY === 'true',
    projectionLagThreshold: vars.PROJECTION_LAG_THRESHOLD,
    appendTimeoutMs: vars.EVENT_STORE_APPEND_TIMEOUT_MS,
    telemetryRetention,
    eventsIndex: { shards: vars.EVENT_STORE_EVENTS_SHARDS, routing: vars.EVENT_STORE_EVENTS_ROUTING },
    logStream: {
      heartbeatMs: vars.LOG_STREAM_HEARTBEAT_MS,
      bufferEvents: vars.LOG_STREAM_BUFFER_EVENTS,
      maxConnectionMs: vars.LOG_STREAM_MAX_CONNECTION_MS,
    },
    metrics: { port: vars.METRICS_PORT ?? null, token: vars.METRICS_TOKEN ?? null },
    tracing: {
      enabled: vars.TRACING_ENABLED === 'true',
      otlpEndpoint: vars.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, ''),
      serviceName: vars.OTEL_SERVICE_NAME,
      sampleRatio: vars.TRACING_SAMPLE_RATIO,
    },
  });
}

function authConfig(vars: EnvironmentVariables, problems: string[]): AuthConfig | undefined {
  const production = vars.NODE_ENV === 'production';
  const common = { issuer: vars.AUTH_JWT_ISSUER, audience: vars.AUTH_JWT_AUDIENCE };
  if (vars.AUTH_JWT_SECRET && vars.AUTH_JWT_PUBLIC_KEY) {
    problems.push('AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY: set exactly one of them, not both');
    return undefined;
  }
  if (vars.AUTH_JWT_PUBLIC_KEY) {
    // Keys passed through env files often carry literal "\n" instead of line breaks.
    const publicKey = vars.AUTH_JWT_PUBLIC_KEY.replace(/\\n/g, '\n');
    const problem = rsaPublicKeyProblem(publicKey);
    if (problem) {
      problems.push(`AUTH_JWT_PUBLIC_KEY: ${problem}`);
      return undefined;
    }
    return { key: { algorithm: 'RS256', publicKey }, ...common, usingDevelopmentSecret: false };
  }
  if (vars.AUTH_JWT_SECRET) {
    if (production && vars.AUTH_JWT_SECRET === DEVELOPMENT_JWT_SECRET) {
      problems.push('AUTH_JWT_SECRET: the development secret must not be used when NODE_ENV=production');
      return undefined;
    }
    return { key: { algorithm: 'HS256', secret: vars.AUTH_JWT_SECRET }, ...common, usingDevelopmentSecret: false };
  }
  if (production) {
    problems.push('AUTH_JWT_SECRET or AUTH_JWT_PUBLIC_KEY: one of them is required when NODE_ENV=production');
    return undefined;
  }
  return { key: { algorithm: 'HS256', secret: DEVELOPMENT_JWT_SECRET }, ...common, usingDevelopmentSecret: true };
}

function rsaPublicKeyProblem(pem: string): string | null {
  if (pem.includes('PRIVATE KEY')) return 'must be the public key only; never give the service the private key';
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'rsa') return `must be an RSA public key for RS256 (got ${key.asymmetricKeyType ?? 'unknown'})`;
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) return `must be an RSA key of at least 2048 bits (got ${bits})`;
    return null;
  } catch {
    return 'must be a PEM-encoded RSA public key (-----BEGIN PUBLIC KEY-----)';
  }
}

function parseTelemetry(value: string | undefined, problems: string[]): TelemetryRetention {
  try {
    return parseTelemetryRetention(value);
  } catch (e) {
    if (!(e instanceof TelemetryRetentionError)) throw e;
    problems.push(
      `EVENT_STORE_TELEMETRY_RETENTION=${JSON.stringify(value)}: ${e.problems.join('; ')} (expected <EventType>=<age>,... such as Heartbeat=7d,MetricSampled=24h)`,
    );
    return {};
  }
}

function parseCorsOrigins(value: string | undefined, problems: string[]): string[] | null {
  if (!value) return null;
  const origins = value
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o.length > 0);
  const bad = origins.filter((o) => o !== '*' && !/^https?:\/\/[^/\s,]+$/.test(o));
  if (bad.length > 0) {
    problems.push(
      `CORS_ORIGINS=${JSON.stringify(value)}: must be "*" or a comma-separated list of origins such as https://app.example.com`,
    );
    return null;
  }
  return origins.length > 0 ? origins : null;
}
