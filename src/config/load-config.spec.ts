import { generateKeyPairSync } from 'node:crypto';
import { ConfigValidationError, DEVELOPMENT_JWT_SECRET, loadConfig, type Env } from './load-config';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';

function problemsOf(env: Env): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

const rsa = (bits: number) =>
  generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });

describe('loadConfig', () => {
  describe('when nothing is set', () => {
    it('uses the documented defaults and the development secret', () => {
      const config = loadConfig({});
      expect(config).toMatchObject({
        nodeEnv: 'development',
        port: 3000,
        host: '0.0.0.0',
        esNode: 'http://127.0.0.1:9200',
        esIndexPrefix: 'gyroscops',
        esNumberOfReplicas: 0,
        logLevel: 'info',
        bodyLimitBytes: 10 * 1024 * 1024,
        throttle: { limit: 0, expensiveLimit: 10, ttlMs: 60_000 },
        corsOrigins: null,
        trustProxy: false,
        projectionLagThreshold: 1000,
        appendTimeoutMs: 15000,
        auth: { key: { algorithm: 'HS256', secret: DEVELOPMENT_JWT_SECRET }, usingDevelopmentSecret: true },
      });
      expect(config.isProduction).toBe(false);
    });

    it('ignores variables it does not know and treats empty values as unset', () => {
      const config = loadConfig({ PORT: '', ES_INDEX_PREFIX: '  ', SOMETHING_ELSE: 'x' });
      expect(config.port).toBe(3000);
      expect(config.esIndexPrefix).toBe('gyroscops');
    });
  });

  it('reads and converts every variable', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      PORT: '8080',
      HOST: '127.0.0.1',
      ES_NODE: 'http://elasticsearch:9200/',
      ES_INDEX_PREFIX: 'test-foundation-1',
      ES_NUMBER_OF_REPLICAS: '1',
      AUTH_JWT_SECRET: SECRET,
      AUTH_JWT_ISSUER: 'https://issuer.example',
      AUTH_JWT_AUDIENCE: 'gyroscops',
      LOG_LEVEL: 'debug',
      BODY_LIMIT_BYTES: '2048',
      THROTTLE_LIMIT: '5000',
      THROTTLE_EXPENSIVE_LIMIT: '0',
      THROTTLE_TTL_MS: '1000',
      CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
      TRUST_PROXY: 'true',
      PROJECTION_LAG_THRESHOLD: '50',
    });
    expect(config).toMatchObject({
      nodeEnv: 'production',
      port: 8080,
      host: '127.0.0.1',
      esNode: 'http://elasticsearch:9200',
      esIndexPrefix: 'test-foundation-1',
      esNumberOfReplicas: 1,
      auth: {
        key: { algorithm: 'HS256', secret: SECRET },
        issuer: 'https://issuer.example',
        audience: 'gyroscops',
        usingDevelopmentSecret: false,
      },
      logLevel: 'debug',
      bodyLimitBytes: 2048,
      throttle: { limit: 5000, expensiveLimit: 0, ttlMs: 1000 },
      corsOrigins: ['https://app.example.com', 'http://localhost:5173'],
      trustProxy: true,
      projectionLagThreshold: 50,
      appendTimeoutMs: 15000,
    });
    expect(config.isProduction).toBe(true);
  });

  it('is read-only', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.auth)).toBe(true);
    expect(() => Object.assign(config, { port: 1 })).toThrow(TypeError);
  });

  describe('when values are invalid', () => {
    it('refuses them all at once, one line per bad value naming the variable and the rule', () => {
      const problems = problemsOf({
        PORT: 'abc',
        ES_NODE: 'elasticsearch:9200',
        ES_INDEX_PREFIX: 'Gyro Scops',
        LOG_LEVEL: 'loud',
        BODY_LIMIT_BYTES: '10',
        NODE_ENV: 'staging',
        TRUST_PROXY: 'yes',
      });
      expect(problems).toEqual(
        expect.arrayContaining([
          'PORT="abc": must be an integer from 0 to 65535',
          'ES_NODE="elasticsearch:9200": must be an http(s) URL such as http://127.0.0.1:9200',
          expect.stringMatching(/^ES_INDEX_PREFIX="Gyro Scops": must be 1-48 characters of lowercase letters/),
          'LOG_LEVEL="loud": must be one of fatal, error, warn, info, debug, trace, silent',
          'BODY_LIMIT_BYTES="10": must be an integer of at least 1024',
          'NODE_ENV="staging": must be one of development, production, test',
          'TRUST_PROXY="yes": must be true or false',
        ]),
      );
      expect(problems).toHaveLength(7);
      for (const problem of problems) expect(problem).not.toContain('\n');
    });

    it('puts every problem in the error message, ready to print', () => {
      expect(() => loadConfig({ PORT: '70000', THROTTLE_TTL_MS: '5' })).toThrow(
        'Invalid configuration:\n  - PORT="70000": must be an integer from 0 to 65535\n  - THROTTLE_TTL_MS="5": must be an integer of at least 1000',
      );
    });

    it('never echoes a secret', () => {
      const problems = problemsOf({ AUTH_JWT_SECRET: 'short-secret' });
      expect(problems).toEqual(['AUTH_JWT_SECRET: must be at least 32 characters (256 bits) for HS256']);
    });

    it('refuses origins that are not origins', () => {
      expect(problemsOf({ CORS_ORIGINS: 'app.example.com' })).toEqual([
        'CORS_ORIGINS="app.example.com": must be "*" or a comma-separated list of origins such as https://app.example.com',
      ]);
    });
  });

  describe('when choosing how tokens are verified', () => {
    it('requires a key in production', () => {
      expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
        'AUTH_JWT_SECRET or AUTH_JWT_PUBLIC_KEY: one of them is required when NODE_ENV=production',
      ]);
    });

    it('refuses the development secret in production', () => {
      expect(problemsOf({ NODE_ENV: 'production', AUTH_JWT_SECRET: DEVELOPMENT_JWT_SECRET })).toEqual([
        'AUTH_JWT_SECRET: the development secret must not be used when NODE_ENV=production',
      ]);
    });

    it('refuses both a secret and a public key', () => {
      expect(problemsOf({ AUTH_JWT_SECRET: SECRET, AUTH_JWT_PUBLIC_KEY: rsa(2048).publicKey })).toEqual([
        'AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY: set exactly one of them, not both',
      ]);
    });

    it('pins RS256 to a valid RSA public key, accepting escaped newlines', () => {
      const { publicKey } = rsa(2048);
      const config = loadConfig({ NODE_ENV: 'production', AUTH_JWT_PUBLIC_KEY: publicKey.replace(/\n/g, '\\n') });
      expect(config.auth.key).toEqual({ algorithm: 'RS256', publicKey });
    });

    it('refuses a malformed, weak or private key', () => {
      expect(problemsOf({ AUTH_JWT_PUBLIC_KEY: 'not a key' })).toEqual([
        'AUTH_JWT_PUBLIC_KEY: must be a PEM-encoded RSA public key (-----BEGIN PUBLIC KEY-----)',
      ]);
      expect(problemsOf({ AUTH_JWT_PUBLIC_KEY: rsa(1024).publicKey })).toEqual([
        'AUTH_JWT_PUBLIC_KEY: must be an RSA key of at least 2048 bits (got 1024)',
      ]);
      expect(problemsOf({ AUTH_JWT_PUBLIC_KEY: rsa(2048).privateKey })).toEqual([
        'AUTH_JWT_PUBLIC_KEY: must be the public key only; never give the service the private key',
      ]);
    });
  });

  describe('when metrics, tracing or several Elasticsearch nodes are configured', () => {
    it('keeps metrics and tracing off by default', () => {
      expect(loadConfig({})).toMatchObject({
        esNodes: ['http://127.0.0.1:9200'],
        metrics: { port: null, token: null },
        tracing: { enabled: false, otlpEndpoint: 'http://127.0.0.1:4318', serviceName: 'gyroscops', sampleRatio: 1 },
      });
    });

    it('reads them', () => {
      const config = loadConfig({
        ES_NODE: 'http://127.0.0.1:9420/, http://127.0.0.1:9421,http://127.0.0.1:9422',
        METRICS_PORT: '9464',
        METRICS_TOKEN: 'a-metrics-token-of-some-length',
        TRACING_ENABLED: 'true',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
        OTEL_SERVICE_NAME: 'gyroscops-eu',
        TRACING_SAMPLE_RATIO: '0.25',
      });
      expect(config).toMatchObject({
        esNode: 'http://127.0.0.1:9420',
        esNodes: ['http://127.0.0.1:9420', 'http://127.0.0.1:9421', 'http://127.0.0.1:9422'],
        metrics: { port: 9464, token: 'a-metrics-token-of-some-length' },
        tracing: { enabled: true, otlpEndpoint: 'http://collector:4318', serviceName: 'gyroscops-eu', sampleRatio: 0.25 },
      });
    });

    it('refuses bad values, a bad node among several, and never echoes the metrics token', () => {
      expect(
        problemsOf({
          ES_NODE: 'http://127.0.0.1:9420,elasticsearch:9200',
          METRICS_PORT: '70000',
          METRICS_TOKEN: 'short',
          TRACING_ENABLED: 'yes',
          TRACING_SAMPLE_RATIO: '2',
        }),
      ).toEqual([
        'ES_NODE="http://127.0.0.1:9420,elasticsearch:9200": must be an http(s) URL such as http://127.0.0.1:9200',
        'METRICS_PORT="70000": must be an integer from 0 to 65535',
        'METRICS_TOKEN: must be at least 16 characters',
        'TRACING_ENABLED="yes": must be true or false',
        'TRACING_SAMPLE_RATIO="2": must be a number from 0 to 1',
      ]);
    });
  });

  describe('when a telemetry retention is configured (EVENT_STORE_TELEMETRY_RETENTION)', () => {
    it('has none by default and reads event types with ages in s, m, h, d or w', () => {
      expect(loadConfig({}).telemetryRetention).toEqual({});
      expect(
        loadConfig({ EVENT_STORE_TELEMETRY_RETENTION: 'Heartbeat=7d, MetricSampled=24h,Ping=90s,Tick=2w' }).telemetryRetention,
      ).toEqual({
        Heartbeat: 7 * 86_400,
        MetricSampled: 86_400,
        Ping: 90,
        Tick: 14 * 86_400,
      });
    });

    it('refuses a malformed entry, a bad age, a zero age and a type listed twice, naming each', () => {
      const [problem, ...others] = problemsOf({ EVENT_STORE_TELEMETRY_RETENTION: 'Heartbeat, Sample=7 days,Tick=0h,Ping=1h,Ping=2h' });
      expect(others).toEqual([]);
      expect(problem).toMatch(/^EVENT_STORE_TELEMETRY_RETENTION="Heartbeat, Sample=7 days,Tick=0h,Ping=1h,Ping=2h": /);
      expect(problem).toContain('"Heartbeat" is not <EventType>=<age>');
      expect(problem).toContain('Sample: "7 days" is not an age');
      expect(problem).toContain('Tick: "0h" is not an age');
      expect(problem).toContain('Ping is listed twice');
      expect(problemsOf({ EVENT_STORE_TELEMETRY_RETENTION: 'Heartbeat=20000w' })[0]).toContain('between 1 second and 10 years');
    });
  });

  describe("when the events index's layout is configured (EVENT_STORE_EVENTS_SHARDS, EVENT_STORE_EVENTS_ROUTING)", () => {
    it('has one shard and no routing by default, and reads both', () => {
      expect(loadConfig({}).eventsIndex).toEqual({ shards: 1, routing: 'none' });
      expect(loadConfig({ EVENT_STORE_EVENTS_SHARDS: '6', EVENT_STORE_EVENTS_ROUTING: 'organization' }).eventsIndex).toEqual({
        shards: 6,
        routing: 'organization',
      });
    });

    it('refuses a shard count out of range and an unknown routing', () => {
      expect(problemsOf({ EVENT_STORE_EVENTS_SHARDS: '0', EVENT_STORE_EVENTS_ROUTING: 'tenant' })).toEqual([
        'EVENT_STORE_EVENTS_SHARDS="0": must be an integer from 1 to 1024',
        'EVENT_STORE_EVENTS_ROUTING="tenant": must be one of none, organization',
      ]);
      expect(problemsOf({ EVENT_STORE_EVENTS_SHARDS: '2.5' })).toEqual([
        'EVENT_STORE_EVENTS_SHARDS="2.5": must be an integer from 1 to 1024',
      ]);
    });
  });
});
