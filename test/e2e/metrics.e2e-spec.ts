import { randomUUID } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { ES_CLIENT } from '../../src/infrastructure/elasticsearch/elasticsearch.tokens';
import { Observability } from '../../src/observability/observability.module';
import { parsePrometheus, sampleSum, samplesOf, type Sample } from '../support/prometheus-text';
import { startTestApp, type TestApp } from '../support/e2e-app';

const METRICS_TOKEN = 'metrics-token-for-the-e2e-suite';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('GET /metrics after a known workload', () => {
  let t: TestApp;
  let writer: { Authorization: string };
  const scrape = async (): Promise<Sample[]> => {
    const r = await t.http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheus(r.text);
  };
  const append = (aggregateId: string, expectedVersion: number | 'any', events = 1) =>
    t
      .http()
      .post(`/v1/aggregates/${aggregateId}/events`)
      .set(writer)
      .send({
        aggregateType: 'Metered',
        expectedVersion,
        events: Array.from({ length: events }, (_, i) => ({ eventType: 'Counted', eventData: { i } })),
      });
  /** Moves the position counter past the service's back, as a writer that allocates and dies would. */
  const allocateBehindTheServicesBack = async (): Promise<number> => {
    const r = await t.es.get<{ value: number }>({ index: `${t.prefix}-meta`, id: 'position' });
    const next = (r._source?.value ?? 0) + 1;
    await t.es.index({
      index: `${t.prefix}-meta`,
      id: 'position',
      if_seq_no: r._seq_no,
      if_primary_term: r._primary_term,
      document: { value: next },
    });
    return next;
  };

  beforeAll(async () => {
    t = await startTestApp('metrics', { METRICS_TOKEN });
    writer = t.auth('org-metrics', ['writer', 'reader']);
  });
  afterAll(async () => t.close());

  it('is served only with its own bearer token, never with a user token', async () => {
    expect((await t.http().get('/metrics')).status).toBe(401);
    expect((await t.http().get('/metrics').set(writer)).status).toBe(401);
    expect((await t.http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}x`)).status).toBe(401);
    expect((await t.http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`)).status).toBe(200);
  });

  it('counts the requests, commands, appends, conflicts, round trips, fences and lease takeovers of the workload', async () => {
    const before = await scrape();
    const a = `metered-${randomUUID()}`;
    const b = `metered-${randomUUID()}`;
    expect((await append(a, 0, 2)).status).toBe(201);
    expect((await append(b, 0)).status).toBe(201);
    expect((await append(a, 2)).status).toBe(201);
    expect((await append(a, 1)).status).toBe(409); // stale expected version
    const payment = await t.http().post('/v1/payments').set(writer).send({ amount: '12.34', currency: 'EUR' });
    expect(payment.status).toBe(201);

    // A writer that leased stream b at a position it allocated, then died: the next append to b fences its position and
    // takes the lease over.
    const head = await t.es.get<Record<string, unknown>>({ index: `${t.prefix}-streams`, id: b });
    const position = await allocateBehindTheServicesBack();
    await t.es.index({
      index: `${t.prefix}-streams`,
      id: b,
      if_seq_no: head._seq_no,
      if_primary_term: head._primary_term,
      document: {
        ...head._source,
        pending: {
          txId: 'dead-writer',
          firstPosition: position,
          lastPosition: position,
          fromVersion: 2,
          toVersion: 2,
          expiresAt: Date.now() - 1000,
        },
        pendingSince: Date.now() - 10_000,
      },
    });
    const afterTakeover = await append(b, 1);
    expect(afterTakeover.status).toBe(201);
    expect(afterTakeover.body).toMatchObject({ fromVersion: 2, version: 2 });

    // A position allocated and never committed: the projection runners reading the log fence it after the gap timeout.
    await allocateBehindTheServicesBack();
    // An Elasticsearch error on the service's own client.
    await t.app
      .get<Client>(ES_CLIENT)
      .get({ index: `${t.prefix}-no-such-index`, id: 'x' })
      .catch(() => undefined);

    let after = await scrape();
    for (let i = 0; i < 100 && sampleSum(after, 'gyroscops_event_store_tombstones_total', { reason: 'gap_timeout' }) < 1; i++) {
      await sleep(200);
      after = await scrape();
    }
    const delta = (name: string, labels: Record<string, string> = {}) => sampleSum(after, name, labels) - sampleSum(before, name, labels);

    const route = '/v1/aggregates/:aggregateId/events';
    expect(delta('gyroscops_http_request_duration_seconds_count', { method: 'POST', route, status_code: '201' })).toBe(4);
    expect(delta('gyroscops_http_request_duration_seconds_count', { method: 'POST', route, status_code: '409' })).toBe(1);
    expect(delta('gyroscops_http_request_duration_seconds_count', { method: 'POST', route: '/v1/payments', status_code: '201' })).toBe(1);
    expect(delta('gyroscops_command_duration_seconds_count', { command: 'ProcessPaymentCommand', outcome: 'ok' })).toBe(1);

    // Four appends over the events API and the payment's; sagas may append more, never fewer.
    expect(delta('gyroscops_event_store_appends_total', { outcome: 'acknowledged' })).toBeGreaterThanOrEqual(5);
    expect(delta('gyroscops_event_store_events_appended_total')).toBeGreaterThanOrEqual(6);
    expect(delta('gyroscops_event_store_appends_total', { outcome: 'wrong-expected-version' })).toBe(1);
    expect(delta('gyroscops_event_store_append_duration_seconds_count', { outcome: 'acknowledged' })).toBeGreaterThanOrEqual(5);
    expect(delta('gyroscops_event_store_batch_appends_count')).toBeGreaterThanOrEqual(1);
    expect(delta('gyroscops_event_store_batch_events_sum')).toBeGreaterThanOrEqual(6);
    const steps = ['allocate-positions', 'read-heads', 'lock', 'commit', 'derive', 'finalize', 'read-log'];
    expect(steps.filter((step) => delta('gyroscops_event_store_round_trip_seconds_count', { step, result: 'ok' }) < 1)).toEqual([]);

    // The dead writer's lease: fenced once, taken over once, its append waited for it.
    expect(delta('gyroscops_event_store_tombstones_total', { reason: 'expired_lease' })).toBe(1);
    expect(delta('gyroscops_event_store_lease_takeovers_total', { outcome: 'fenced' })).toBe(1);
    expect(delta('gyroscops_event_store_retries_total', { reason: 'pending-lease' })).toBeGreaterThanOrEqual(1);
    // Both allocations behind its back made the service's cached counter stale at least once.
    expect(delta('gyroscops_event_store_conflicts_total', { on: 'counter' })).toBeGreaterThanOrEqual(1);
    expect(delta('gyroscops_event_store_tombstones_total', { reason: 'gap_timeout' })).toBeGreaterThanOrEqual(1);

    expect(delta('gyroscops_elasticsearch_client_errors_total', { type: 'ResponseError', status_code: '404' })).toBeGreaterThanOrEqual(1);
    expect(delta('gyroscops_elasticsearch_requests_total', { result: 'ok' })).toBeGreaterThan(10);

    // Process metrics under their standard names.
    expect(samplesOf(after, 'process_cpu_seconds_total')).toHaveLength(1);
    expect(samplesOf(after, 'nodejs_eventloop_lag_seconds')).toHaveLength(1);
  });

  it('shows every projection and saga with its position, lag, state and parked count, and the head of the log', async () => {
    let samples = await scrape();
    const projections = () => samplesOf(samples, 'gyroscops_consumer_lag_events', { kind: 'projection' });
    for (let i = 0; i < 150 && (projections().length === 0 || projections().some((s) => s.value > 0)); i++) {
      await sleep(200);
      samples = await scrape();
    }
    const head = sampleSum(samples, 'gyroscops_log_head_position');
    const counter = await t.es.get<{ value: number }>({ index: `${t.prefix}-meta`, id: 'position' });
    expect(head).toBe(counter._source?.value);
    expect(projections().length).toBeGreaterThan(0);
    for (const lag of projections()) {
      expect([lag.labels.name, lag.value]).toEqual([lag.labels.name, 0]);
      expect(sampleSum(samples, 'gyroscops_consumer_position', lag.labels)).toBe(head);
      expect(sampleSum(samples, 'gyroscops_consumer_state', { ...lag.labels, state: 'running' })).toBe(1);
      expect(sampleSum(samples, 'gyroscops_consumer_state', lag.labels)).toBe(1);
    }
    const sagas = samplesOf(samples, 'gyroscops_consumer_parked_events', { kind: 'saga' });
    expect(sagas.length).toBeGreaterThan(0);
    for (const parked of sagas) expect([parked.labels.name, parked.value]).toEqual([parked.labels.name, 0]);
  });
});

describe('Metrics on a port of their own', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('metrics-port', { METRICS_PORT: '0' });
  });
  afterAll(async () => t.close());

  it('answers GET /metrics there without any token, and not on the main port', async () => {
    const address = t.app.get(Observability).metricsAddress();
    expect(address).not.toBeNull();
    const r = await fetch(`http://127.0.0.1:${address?.port}/metrics`);
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('# TYPE gyroscops_event_store_appends_total counter');
    expect((await fetch(`http://127.0.0.1:${address?.port}/other`)).status).toBe(404);
    expect((await t.http().get('/metrics')).status).toBe(404);
  });
});

describe('Metrics by default', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('metrics-off');
  });
  afterAll(async () => t.close());

  it('are off: no /metrics route and no listener', async () => {
    expect((await t.http().get('/metrics')).status).toBe(404);
    expect(t.app.get(Observability).metricsAddress()).toBeNull();
  });
});
