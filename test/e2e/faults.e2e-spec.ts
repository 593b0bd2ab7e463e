import { randomUUID } from 'node:crypto';
import { HttpFaultProxy } from '../support/http-fault-proxy';
import { TcpProxy } from '../support/tcp-proxy';
import { startTestApp, type TestApp } from '../support/e2e-app';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Elasticsearch failing under the service', () => {
  describe('when Elasticsearch goes away under write load and comes back', () => {
    const target = new URL(process.env.ES_NODE as string);
    const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 9200) });
    let t: TestApp;
    beforeAll(async () => {
      await proxy.start();
      t = await startTestApp('faults', { ES_NODE: proxy.url, EVENT_STORE_APPEND_TIMEOUT_MS: '2000' });
    });
    afterAll(async () => {
      await proxy.start().catch(() => undefined);
      await t?.close();
      await proxy.stop();
    });

    it('answers 503 (EventStoreUnavailable, nothing stored; AppendOutcomeUnknown for a write in flight; never 500), reports not ready, recovers by itself, keeps every acknowledged append and none answered unavailable', async () => {
      const auth = t.auth('org-faults', ['writer', 'reader']);
      const statuses = new Map<number, number>();
      const acked = new Map<string, { stream: string; version: number }>();
      let phase: 'before' | 'down' | 'after' = 'before';
      const bodies503: { error?: string }[] = [];
      const refused = new Map<string, string>();
      let stop = false;
      const loop = async (c: number) => {
        for (let i = 0; !stop; i++) {
          const stream = `fault-${c}-${i % 5}`;
          const events = [{ eventId: randomUUID(), eventType: 'Tick', eventData: { c, i, phase } }];
          const r = await t
            .http()
            .post(`/v1/aggregates/${stream}/events`)
            .set(auth)
            .send({ aggregateType: 'Tick', expectedVersion: 'any', events });
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (r.status === 201) acked.set(events[0].eventId, { stream, version: r.body.fromVersion });
          if (r.status === 503) {
            bodies503.push(r.body);
            // Unavailable means nothing was stored; AppendOutcomeUnknown means it may have been (then at most once).
            if (r.body.error === 'EventStoreUnavailable') refused.set(events[0].eventId, stream);
          }
          if (r.status !== 201) await sleep(50);
        }
      };
      const loops = Array.from({ length: 4 }, (_, c) => loop(c));
      await sleep(800);
      await proxy.stop();
      phase = 'down';
      await sleep(3500);
      const ready = await t.http().get('/health/ready');
      expect(ready.status).toBe(503);
      const readDuringOutage = await t.http().get('/v1/aggregates/fault-0-0/events').set(auth);
      expect(readDuringOutage.status).toBe(503);
      await proxy.start();
      phase = 'after';
      let recovered = false;
      for (let i = 0; i < 100 && !recovered; i++) {
        recovered = (await t.http().get('/health/ready')).status === 200;
        if (!recovered) await sleep(200);
      }
      expect(recovered).toBe(true);
      await sleep(1000);
      stop = true;
      await Promise.all(loops);

      expect(statuses.get(500)).toBeUndefined();
      expect(statuses.get(503)).toBeGreaterThan(0);
      expect(bodies503[0]).toMatchObject({
        error: expect.stringMatching(/^(EventStoreUnavailable|AppendOutcomeUnknown)$/),
        message: expect.any(String),
      });
      expect(bodies503.every((b) => b.error === 'EventStoreUnavailable' || b.error === 'AppendOutcomeUnknown')).toBe(true);
      expect([...statuses.keys()].every((s) => s === 201 || s === 503)).toBe(true);
      const afterCount = [...acked.values()].length;
      expect(afterCount).toBeGreaterThan(0);
      // Every acknowledged append is there, at the version it was acknowledged with.
      // An append answered EventStoreUnavailable is absent; no event id is stored twice.
      const streams = new Set([...acked.values()].map((a) => a.stream).concat([...refused.values()]));
      for (const stream of streams) {
        const s = await t.http().get(`/v1/aggregates/${stream}/events`).query({ maxCount: 10000 }).set(auth);
        // A stream whose every append was refused (or unknown and not stored) was never created.
        const hasAcked = [...acked.values()].some((x) => x.stream === stream);
        expect(hasAcked ? [200] : [200, 404]).toContain(s.status);
        if (s.status === 404) continue;
        const ids: string[] = s.body.events.map((e: { eventId: string }) => e.eventId);
        expect(new Set(ids).size).toBe(ids.length);
        const stored = new Map<string, number>(s.body.events.map((e: { eventId: string; version: number }) => [e.eventId, e.version]));
        for (const [eventId, a] of acked) if (a.stream === stream) expect(stored.get(eventId)).toBe(a.version);
        for (const [eventId, at] of refused) if (at === stream) expect(stored.has(eventId)).toBe(false);
      }
    }, 90_000);
  });

  describe('when Elasticsearch is down at start-up', () => {
    const target = new URL(process.env.ES_NODE as string);
    const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 9200) });
    let t: TestApp | undefined;
    afterAll(async () => {
      await proxy.start().catch(() => undefined);
      await t?.close();
      await proxy.stop();
    });

    it('starts anyway, reports not ready, answers writes with 503, and finishes its set-up by itself when Elasticsearch comes', async () => {
      await proxy.start();
      await proxy.stop();
      t = await startTestApp('startdown', { ES_NODE: proxy.url, EVENT_STORE_APPEND_TIMEOUT_MS: '1000' }, { skipReadyWait: true });
      const auth = t.auth('org-startdown', ['writer', 'reader']);
      expect((await t.http().get('/health/live')).status).toBe(200);
      const ready = await t.http().get('/health/ready');
      expect(ready.status).toBe(503);
      expect(JSON.stringify(ready.body)).toContain('elasticsearch');
      const early = await t
        .http()
        .post('/v1/aggregates/boot-1/events')
        .set(auth)
        .send({ aggregateType: 'Boot', expectedVersion: 'any', events: [{ eventType: 'A', eventData: {} }] });
      expect(early.status).toBe(503);
      expect(early.body.error).toBe('EventStoreUnavailable');
      await proxy.start();
      let up = false;
      for (let i = 0; i < 150 && !up; i++) {
        up = (await t.http().get('/health/ready')).status === 200;
        if (!up) await sleep(200);
      }
      expect(up).toBe(true);
      const later = await t
        .http()
        .post('/v1/aggregates/boot-1/events')
        .set(auth)
        .send({ aggregateType: 'Boot', expectedVersion: 'any', events: [{ eventType: 'A', eventData: {} }] });
      expect(later.status).toBe(201);
    }, 60_000);
  });

  describe('when Elasticsearch answers 429 or slowly', () => {
    const proxy = new HttpFaultProxy(new URL(process.env.ES_NODE as string));
    let t: TestApp;
    beforeAll(async () => {
      await proxy.start();
      t = await startTestApp('throttle', { ES_NODE: proxy.url, EVENT_STORE_APPEND_TIMEOUT_MS: '3000' });
    });
    afterAll(async () => {
      proxy.mode = { kind: 'pass' };
      await t?.close();
      await proxy.stop();
    });
    const append = (id: string) =>
      t
        .http()
        .post(`/v1/aggregates/${id}/events`)
        .set(t.auth('org-throttle', ['writer', 'reader']))
        .send({ aggregateType: 'Throttle', expectedVersion: 'any', events: [{ eventType: 'A', eventData: {} }] });

    it('retries a passing overload within the deadline and succeeds', async () => {
      proxy.mode = { kind: 'throttle' };
      const pending = append(`thr-${randomUUID()}`);
      await sleep(700);
      proxy.mode = { kind: 'pass' };
      const r = await pending;
      expect(proxy.throttled).toBeGreaterThan(0);
      expect(r.status).toBe(201);
    });

    it('answers 503 EventStoreUnavailable (not 500) when the overload outlasts the deadline, and recovers after', async () => {
      proxy.mode = { kind: 'throttle' };
      const id = `thr-${randomUUID()}`;
      const r = await append(id);
      expect(r.status).toBe(503);
      expect(r.body.error).toBe('EventStoreUnavailable');
      const read = await t
        .http()
        .get(`/v1/aggregates/${id}/events`)
        .set(t.auth('org-throttle', ['reader']));
      expect(read.status).toBe(503);
      proxy.mode = { kind: 'pass' };
      let ok = false;
      for (let i = 0; i < 50 && !ok; i++) {
        ok = (await append(id)).status === 201;
        if (!ok) await sleep(200);
      }
      expect(ok).toBe(true);
    });

    it('answers slow Elasticsearch with success or 503 within the deadline, never 500', async () => {
      proxy.mode = { kind: 'slow', delayMs: 400 };
      const results = await Promise.all(Array.from({ length: 6 }, () => append(`slow-${randomUUID()}`)));
      proxy.mode = { kind: 'pass' };
      for (const r of results) expect([201, 503]).toContain(r.status);
      expect(results.some((r) => r.status === 201)).toBe(true);
    });
  });

  describe('when the indices turn read-only (disk full)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp('readonly', { EVENT_STORE_APPEND_TIMEOUT_MS: '1500' });
    });
    afterAll(async () => {
      await t.es.indices
        .putSettings({ index: `${t.prefix}-*`, settings: { 'index.blocks.read_only_allow_delete': null } })
        .catch(() => undefined);
      await t.close();
    });

    it('answers a clear 503 while writes are blocked, keeps serving reads, and accepts writes again when lifted', async () => {
      const auth = t.auth('org-ro', ['writer', 'reader']);
      const body = (eventType: string) => ({ aggregateType: 'Disk', expectedVersion: 'any', events: [{ eventType, eventData: {} }] });
      const id = `ro-${randomUUID()}`;
      await t.http().post(`/v1/aggregates/${id}/events`).set(auth).send(body('Before')).expect(201);
      await t.es.indices.putSettings({ index: `${t.prefix}-*`, settings: { 'index.blocks.read_only_allow_delete': true } });
      const blocked = await t.http().post(`/v1/aggregates/${id}/events`).set(auth).send(body('Blocked'));
      expect(blocked.status).toBe(503);
      expect(blocked.body.error).toBe('EventStoreUnavailable');
      expect((await t.http().get(`/v1/aggregates/${id}/events`).set(auth)).status).toBe(200);
      await t.es.indices.putSettings({ index: `${t.prefix}-*`, settings: { 'index.blocks.read_only_allow_delete': null } });
      let ok = false;
      for (let i = 0; i < 50 && !ok; i++) {
        ok = (await t.http().post(`/v1/aggregates/${id}/events`).set(auth).send(body('After'))).status === 201;
        if (!ok) await sleep(200);
      }
      expect(ok).toBe(true);
      const s = await t.http().get(`/v1/aggregates/${id}/events`).set(auth);
      expect(s.body.events.map((e: { eventType: string }) => e.eventType)).toEqual(['Before', 'After']);
    }, 60_000);
  });
});
