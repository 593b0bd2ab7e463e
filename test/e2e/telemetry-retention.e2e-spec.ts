import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/e2e-app';

/** EVENT_STORE_TELEMETRY_RETENTION end to end: read once at start-up, honoured by every read over HTTP, scavenged by the admin endpoint. */
describe('Telemetry retention over HTTP (EVENT_STORE_TELEMETRY_RETENTION)', () => {
  let t: TestApp;
  beforeAll(async () => {
    // One second: the test waits past it once, then every read must have stopped showing the heartbeats.
    t = await startTestApp('telemetry', { EVENT_STORE_TELEMETRY_RETENTION: 'Heartbeat=1s,MetricSampled=7d' });
  });
  afterAll(async () => t?.close());

  const writer = () => t.auth('org-a', ['writer', 'reader']);
  const admin = () => t.auth('org-a', ['admin', 'writer', 'reader'], 'ops-1');

  it('hides expired heartbeats from stream reads, the log, search and statistics, and the scavenge removes and counts them', async () => {
    const id = `machine-${randomUUID()}`;
    const beatId = randomUUID();
    const before = (await t.http().get('/v1/log').query({ limit: 1 }).set(admin())).body.head as number;
    const appended = await t
      .http()
      .post(`/v1/aggregates/${id}/events`)
      .set(writer())
      .send({
        aggregateType: 'Machine',
        expectedVersion: 'no_stream',
        events: [
          { eventType: 'Started', eventData: { id } },
          { eventType: 'Heartbeat', eventData: { id }, eventId: beatId },
          { eventType: 'MetricSampled', eventData: { id, cpu: 0.5 } },
          { eventType: 'Heartbeat', eventData: { id } },
          { eventType: 'Stopped', eventData: { id } },
        ],
      });
    expect(appended.status).toBe(201);
    await new Promise((r) => setTimeout(r, 1500));

    const read = await t.http().get(`/v1/aggregates/${id}/events`).set(writer());
    expect(read.status).toBe(200);
    expect(read.body.events.map((e: { version: number; eventType: string }) => [e.version, e.eventType])).toEqual([
      [1, 'Started'],
      [3, 'MetricSampled'],
      [5, 'Stopped'],
    ]);
    expect((await t.http().get(`/v1/events/${beatId}`).set(writer())).status).toBe(404);
    const log = await t.http().get('/v1/log').query({ after: before }).set(admin());
    expect(log.body.events.filter((e: { aggregateId: string }) => e.aggregateId === id).map((e: { version: number }) => e.version)).toEqual(
      [1, 3, 5],
    );
    expect(log.body.checkpoint).toBe(log.body.head);
    await t.es.indices.refresh({ index: `${t.prefix}-events` });
    expect((await t.http().get('/v1/events').query({ aggregateId: id }).set(writer())).body.total).toBe(3);
    const stats = await t.http().get('/v1/analytics/events/statistics').query({ eventType: 'Heartbeat' }).set(admin());
    expect(stats.status).toBe(200);
    expect(stats.body.total).toBe(0);

    const scavenged = await t.http().post('/v1/admin/scavenge').set(admin());
    expect(scavenged.status).toBe(200);
    expect(scavenged.body.telemetryEventsRemoved).toBe(2);
    expect(scavenged.body.eventsRemoved).toBeGreaterThanOrEqual(2);
    // Gone from disk: neither the log nor the search index holds them, and the stream still reads around them.
    const raw = await t.es.search({ index: `${t.prefix}-events`, query: { term: { aggregateId: id } }, size: 10 });
    expect(raw.hits.hits.map((h) => (h._source as { eventType: string }).eventType).sort()).toEqual([
      'MetricSampled',
      'Started',
      'Stopped',
    ]);
    const commit = await t.es.get<{ events: { eventType: string }[] }>({
      index: `${t.prefix}-log`,
      id: String(appended.body.position - 4),
    });
    expect(commit._source?.events.map((e) => e.eventType)).toEqual(['Started', 'MetricSampled', 'Stopped']);
    expect((await t.http().get(`/v1/aggregates/${id}/events`).set(writer())).body.events).toHaveLength(3);
  });
});
