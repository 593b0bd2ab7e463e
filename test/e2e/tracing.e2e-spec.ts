import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Client } from '@elastic/elasticsearch';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-node';
import request from 'supertest';
import { EVENT_STORE, type EventStore } from '@gyroscops/event-store';
import { createApp } from '../../src/app.factory';
import { signTokenForConfig } from '../../src/auth/dev-token';
import { AppConfig } from '../../src/config/app-config';
import { CORRELATION_ID_ATTRIBUTE } from '../../src/observability/tracing';
import { deletePrefix } from '../support/cleanup';

/** Keeps every exported span (the SDK's in-memory exporter forgets them on shutdown). */
class CollectingExporter implements SpanExporter {
  readonly spans: ReadableSpan[] = [];
  export(spans: ReadableSpan[], done: (result: { code: number }) => void): void {
    this.spans.push(...spans);
    done({ code: 0 });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

describe('Tracing, when enabled', () => {
  const prefix = `test-tracing-${randomBytes(4).toString('hex')}`;
  const exporter = new CollectingExporter();
  const lines: Record<string, unknown>[] = [];
  let app: NestFastifyApplication;
  let es: Client;
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const parentSpanId = '00f067aa0ba902b7';
  const correlationId = `trace-test-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    const logDestination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    app = await createApp(
      {
        NODE_ENV: 'test',
        ES_INDEX_PREFIX: prefix,
        AUTH_JWT_SECRET: 'tracing-secret-that-is-long-enough-0123456789',
        LOG_LEVEL: 'info',
        TRACING_ENABLED: 'true',
      },
      { spanExporter: exporter, logDestination },
    );
    const store = app.get<EventStore>(EVENT_STORE);
    for (let i = 0; i < 300 && !(await store.isReady()); i++) await new Promise((r) => setTimeout(r, 100));
    es = new Client({ node: app.get(AppConfig).esNode });

    const config = app.get(AppConfig);
    const auth = `Bearer ${signTokenForConfig(config, { sub: 'tracer', org: 'org-trace', roles: ['writer', 'reader'] })}`;
    const r = await request(app.getHttpServer())
      .post('/v1/payments')
      .set('Authorization', auth)
      .set('x-correlation-id', correlationId)
      .set('traceparent', `00-${traceId}-${parentSpanId}-01`)
      .send({ amount: '9.99', currency: 'EUR' });
    expect(r.status).toBe(201);
    // Closing flushes the batching span processor.
    await app.close();
  });
  afterAll(async () => {
    await deletePrefix(es, prefix);
    await es.close();
  });

  const ofTrace = () => exporter.spans.filter((s) => s.spanContext().traceId === traceId);

  it('records a server span for the request, child of the caller’s traceparent, with the correlation id', () => {
    const server = ofTrace().find((s) => s.kind === SpanKind.SERVER);
    expect(server).toBeDefined();
    expect(server?.name).toBe('POST /v1/payments');
    expect(server?.parentSpanContext?.spanId).toBe(parentSpanId);
    expect(server?.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/payments',
      'http.response.status_code': 201,
      [CORRELATION_ID_ATTRIBUTE]: correlationId,
    });
  });

  it('records a span for the command inside the request span', () => {
    const server = ofTrace().find((s) => s.kind === SpanKind.SERVER);
    const command = ofTrace().find((s) => s.name === 'command ProcessPaymentCommand');
    expect(command).toBeDefined();
    expect(command?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
    expect(command?.attributes[CORRELATION_ID_ATTRIBUTE]).toBe(correlationId);
  });

  it('records the Elasticsearch client’s span for each round trip in the same trace, with the correlation id', () => {
    const rounds = ofTrace().filter((s) => s.kind === SpanKind.CLIENT && s.attributes['db.system'] === 'elasticsearch');
    // At least: load the payment stream, then the append's round trips (positions, lease, commit, derived documents).
    expect(rounds.length).toBeGreaterThanOrEqual(4);
    for (const span of rounds) expect(span.attributes[CORRELATION_ID_ATTRIBUTE]).toBe(correlationId);
  });

  it('puts the trace id on the request’s log lines', () => {
    const access = lines.find((l) => l.correlationId === correlationId && (l.req as { url?: string } | undefined)?.url === '/v1/payments');
    expect(access).toMatchObject({ traceId });
  });
});
