import { randomUUID } from 'node:crypto';
import { refreshAll, startTestApp, type TestApp } from '../support/e2e-app';

describe('Event store HTTP API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('events-api');
  });
  afterAll(async () => t.close());

  const append = (id: string, body: object, org = 'org-a', roles: ('reader' | 'writer' | 'admin')[] = ['writer']) =>
    t
      .http()
      .post(`/v1/aggregates/${encodeURIComponent(id)}/events`)
      .set(t.auth(org, roles))
      .send(body);

  describe('when a writer appends events', () => {
    it('answers 201 with versions and position, and the stream reads them back at once', async () => {
      const id = `pay-${randomUUID()}`;
      const r = await append(id, {
        aggregateType: 'Payment',
        expectedVersion: 'no_stream',
        events: [{ eventType: 'PaymentProcessed', eventData: { amount: '100.00', currency: 'EUR' } }],
      });
      expect(r.status).toBe(201);
      expect(r.body).toEqual({ aggregateId: id, fromVersion: 1, version: 1, position: expect.any(Number) });
      const s = await t
        .http()
        .get(`/v1/aggregates/${id}/events`)
        .set(t.auth('org-a', ['reader']));
      expect(s.status).toBe(200);
      expect(s.body).toMatchObject({ aggregateId: id, aggregateType: 'Payment', version: 1 });
      expect(s.body.events[0]).toMatchObject({
        eventType: 'PaymentProcessed',
        eventData: { amount: '100.00', currency: 'EUR' },
        version: 1,
        position: r.body.position,
        metadata: { organizationId: 'org-a', userId: 'user-1', source: 'api' },
      });
      expect(s.headers['x-correlation-id']).toBe(
        s.body.events[0].correlationId === s.headers['x-correlation-id'] ? s.headers['x-correlation-id'] : s.headers['x-correlation-id'],
      );
    });

    it('answers 409 WrongExpectedVersion with both versions on a conflict', async () => {
      const id = `c-${randomUUID()}`;
      await append(id, { aggregateType: 'Thing', expectedVersion: 'no_stream', events: [{ eventType: 'A', eventData: {} }] }).expect(201);
      const r = await append(id, { aggregateType: 'Thing', expectedVersion: 0, events: [{ eventType: 'B', eventData: {} }] });
      expect(r.status).toBe(409);
      expect(r.body).toMatchObject({ error: 'WrongExpectedVersion', expectedVersion: 0, actualVersion: 1 });
      expect(typeof r.body.message).toBe('string');
    });

    it('keeps the correlation id of the request on the events', async () => {
      const id = `corr-${randomUUID()}`;
      const corr = `corr-${randomUUID()}`;
      await append(id, { aggregateType: 'Thing', expectedVersion: 'any', events: [{ eventType: 'A', eventData: { x: 1 } }] })
        .set('x-correlation-id', corr)
        .expect(201);
      const s = await t
        .http()
        .get(`/v1/aggregates/${id}/events`)
        .set(t.auth('org-a', ['reader']));
      expect(s.body.events[0].correlationId).toBe(corr);
      await refreshAll(t);
      const c = await t
        .http()
        .get(`/v1/correlations/${corr}/events`)
        .set(t.auth('org-a', ['reader']));
      expect(c.status).toBe(200);
      expect(c.body.events.map((e: { aggregateId: string }) => e.aggregateId)).toEqual([id]);
    });
  });

  describe('when the caller may not write or read', () => {
    it('refuses a reader writing with 403, and no token with 401', async () => {
      const body = { aggregateType: 'Thing', expectedVersion: 'any', events: [{ eventType: 'A', eventData: {} }] };
      expect((await append(`x-${randomUUID()}`, body, 'org-a', ['reader'])).status).toBe(403);
      const r = await t.http().post(`/v1/aggregates/x-${randomUUID()}/events`).send(body);
      expect(r.status).toBe(401);
      expect(r.body.error).toBe('Unauthorized');
    });
    it("answers 404 for another organization's stream, and hides its events from search and lookups", async () => {
      const id = `secret-${randomUUID()}`;
      const marker = `marker${randomUUID().slice(0, 8)}`;
      await append(
        id,
        { aggregateType: 'Thing', expectedVersion: 'any', events: [{ eventType: 'A', eventData: { note: marker } }] },
        'org-a',
      ).expect(201);
      const own = await t
        .http()
        .get(`/v1/aggregates/${id}/events`)
        .set(t.auth('org-a', ['reader']));
      const other = t.auth('org-b', ['reader', 'writer']);
      expect((await t.http().get(`/v1/aggregates/${id}/events`).set(other)).status).toBe(404);
      expect((await t.http().get(`/v1/events/${own.body.events[0].eventId}`).set(other)).status).toBe(404);
      expect(
        (await append(id, { aggregateType: 'Thing', expectedVersion: 'any', events: [{ eventType: 'B', eventData: {} }] }, 'org-b')).status,
      ).toBe(404);
      await refreshAll(t);
      const s = await t.http().get('/v1/events').query({ q: marker }).set(other);
      expect(s.body).toEqual({ total: 0, events: [], nextCursor: null });
      const mine = await t
        .http()
        .get('/v1/events')
        .query({ q: marker })
        .set(t.auth('org-a', ['reader']));
      expect(mine.body.total).toBe(1);
      const forced = await t.http().get('/v1/events').query({ q: marker, organizationId: 'org-a' }).set(other);
      expect(forced.body.total).toBe(0);
    });
  });

  describe('when the request is malformed', () => {
    it.each([
      ['no events', { aggregateType: 'Thing', expectedVersion: 'any', events: [] }],
      ['a bad expectedVersion', { aggregateType: 'Thing', expectedVersion: -1, events: [{ eventType: 'A', eventData: {} }] }],
      ['a word expectedVersion', { aggregateType: 'Thing', expectedVersion: 'latest', events: [{ eventType: 'A', eventData: {} }] }],
      ['eventData not an object', { aggregateType: 'Thing', expectedVersion: 'any', events: [{ eventType: 'A', eventData: 'x' }] }],
      ['an empty eventType', { aggregateType: 'Thing', expectedVersion: 'any', events: [{ eventType: '', eventData: {} }] }],
      ['a non-UUID eventId', { aggregateType: 'Thing', expectedVersion: 'any', events: [{ eventId: '1', eventType: 'A', eventData: {} }] }],
      ['an unknown property', { aggregateType: 'Thing', expectedVersion: 'any', events: [{ eventType: 'A', eventData: {} }], extra: 1 }],
      [
        '1001 events',
        { aggregateType: 'Thing', expectedVersion: 'any', events: Array.from({ length: 1001 }, () => ({ eventType: 'A', eventData: {} })) },
      ],
    ])('answers 400 for %s and records nothing', async (_label, body) => {
      const id = `bad-${randomUUID()}`;
      const r = await append(id, body);
      expect(r.status).toBe(400);
      expect(r.body).toEqual(expect.objectContaining({ error: expect.any(String), message: expect.any(String) }));
      expect(JSON.stringify(r.body)).not.toMatch(/\bat .*\.(ts|js):\d+/);
      expect(
        (
          await t
            .http()
            .get(`/v1/aggregates/${id}/events`)
            .set(t.auth('org-a', ['reader']))
        ).status,
      ).toBe(404);
    });
    it.each(['a*b', '_search', 'a..b', 'x'.repeat(300)])('answers 400 for the aggregate id %s', async (id) => {
      const r = await append(id, { aggregateType: 'Thing', expectedVersion: 'any', events: [{ eventType: 'A', eventData: {} }] });
      expect(r.status).toBe(400);
    });
    it('answers an inverted time range with an empty page, and 400 for a forged cursor or an oversized page', async () => {
      const auth = t.auth('org-a', ['reader']);
      const inverted = await t.http().get('/v1/events').query({ from: '2025-02-02T00:00:00Z', to: '2025-01-01T00:00:00Z' }).set(auth);
      expect(inverted.status).toBe(200);
      expect(inverted.body).toEqual({ total: 0, events: [], nextCursor: null });
      expect((await t.http().get('/v1/events').query({ cursor: 'garbage' }).set(auth)).status).toBe(400);
      expect((await t.http().get('/v1/events').query({ size: 5000 }).set(auth)).status).toBe(400);
    });
  });

  describe('when searching', () => {
    it('filters by type and time, pages with a cursor, and looks events up by id', async () => {
      const id = `s-${randomUUID()}`;
      const from = new Date(Date.now() - 1000).toISOString();
      await append(id, {
        aggregateType: 'Thing',
        expectedVersion: 'any',
        events: Array.from({ length: 5 }, (_, i) => ({ eventType: i % 2 ? 'Odd' : 'Even', eventData: { i } })),
      }).expect(201);
      await refreshAll(t);
      const auth = t.auth('org-a', ['reader']);
      const p1 = await t.http().get('/v1/events').query({ aggregateId: id, eventType: 'Even', from, size: 2 }).set(auth);
      expect(p1.status).toBe(200);
      expect(p1.body.total).toBe(3);
      expect(p1.body.events).toHaveLength(2);
      const p2 = await t
        .http()
        .get('/v1/events')
        .query({ aggregateId: id, eventType: 'Even', from, size: 2, cursor: p1.body.nextCursor })
        .set(auth);
      expect(p2.body.events).toHaveLength(1);
      const one = await t.http().get(`/v1/events/${p2.body.events[0].eventId}`).set(auth);
      expect(one.status).toBe(200);
      expect(one.body.eventData).toEqual({ i: 0 });
    });
  });
});
