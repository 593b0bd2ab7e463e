import { randomUUID } from 'node:crypto';
import { EVENT_STORE, type EventStore } from '@gyroscops/event-store';
import { startTestApp, type TestApp } from '../support/e2e-app';

interface Operation {
  parameters?: { name: string; in: string; schema?: Record<string, unknown> }[];
  requestBody?: unknown;
  security?: unknown[];
  responses: Record<string, { content?: { 'application/json'?: { schema?: Record<string, unknown> } } }>;
}
type Document = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Record<string, unknown>> } };

/** One convention per concept across the API: errors, paging, time ranges, read-your-writes, idempotency, methods. */
describe('API conventions', () => {
  let t: TestApp;
  let doc: Document;
  let writer: { Authorization: string };
  let reader: { Authorization: string };
  beforeAll(async () => {
    t = await startTestApp('conventions');
    writer = t.auth('org-conventions', ['writer', 'reader']);
    reader = t.auth('org-conventions', ['reader']);
    doc = (await t.http().get('/docs-json').expect(200)).body as Document;
  });
  afterAll(async () => t.close());

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })));

  describe('the OpenAPI document', () => {
    it('declares the shared error answers on every operation, in the one Error schema', () => {
      expect(doc.components.schemas.Error).toMatchObject({ required: ['error', 'message'] });
      const missing: string[] = [];
      for (const { path, method, op } of operations()) {
        const expected = ['503'];
        if ((op.parameters ?? []).length > 0 || op.requestBody) expected.push('400');
        if ((op.security ?? []).length > 0) expected.push('401', '403', '429');
        if (op.requestBody) expected.push('413', '415');
        if ((op.parameters ?? []).some((p) => p.in === 'path')) expected.push('404');
        for (const status of expected) {
          const schema = op.responses[status]?.content?.['application/json']?.schema;
          const refs = JSON.stringify(schema ?? {});
          if (!/#\/components\/schemas\/(Error|WrongExpectedVersionError)"/.test(refs))
            missing.push(`${method.toUpperCase()} ${path} ${status}`);
        }
      }
      expect(missing).toEqual([]);
    });

    it('describes the 200 bodies of history and replay operations', () => {
      // Reads of an aggregate's history or replayed state (POST …/parked/{eventId}/replay is an action: 202/204, no body).
      for (const { path, method, op } of operations().filter(({ path, method }) => method === 'get' && /\/(history|replay)$/.test(path))) {
        expect({ operation: `${method} ${path}`, schema: op.responses['200']?.content?.['application/json']?.schema }).toEqual({
          operation: `${method} ${path}`,
          schema: { $ref: expect.stringMatching(/^#\/components\/schemas\//) },
        });
      }
    });

    it('closes request bodies (unknown properties are refused) and states identifier patterns and lengths', () => {
      expect(doc.components.schemas.AppendEventsDto).toMatchObject({ additionalProperties: false });
      expect(doc.components.schemas.NewEventDto).toMatchObject({ additionalProperties: false });
      const idParam = doc.paths['/v1/invoices/{id}'].get.parameters?.find((p) => p.name === 'id');
      expect(idParam?.schema).toMatchObject({ type: 'string', minLength: 1, maxLength: 256, pattern: expect.any(String) });
      const minPosition = doc.paths['/v1/workflows/{id}'].get.parameters?.find((p) => p.name === 'minPosition');
      expect(minPosition?.schema).toMatchObject({ type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
    });

    it('documents the same paging and time-range parameters on every list', () => {
      for (const path of ['/v1/payments', '/v1/invoices', '/v1/workflows', '/v1/events', '/v1/payments/events', '/v1/analytics/search']) {
        const names = (doc.paths[path].get.parameters ?? []).map((p) => p.name);
        expect({ path, names }).toEqual({ path, names: expect.arrayContaining(['size', 'cursor', 'from', 'to']) });
      }
    });
  });

  describe('when a method the API does not have is used on a path it has', () => {
    it.each([
      ['DELETE', '/v1/whoami', 'GET, HEAD'],
      ['PUT', '/v1/payments', 'GET, HEAD, POST'],
      ['PATCH', '/v1/invoices/inv-1', 'GET, HEAD'],
    ])('answers %s %s with 405, Allow: %s, in the error shape', async (method, path, allow) => {
      const r = await t.http()[method.toLowerCase() as 'delete' | 'put' | 'patch'](path).set(writer);
      expect(r.status).toBe(405);
      expect(r.headers.allow).toBe(allow);
      expect(r.body).toEqual({ error: 'MethodNotAllowed', message: expect.stringContaining(allow) });
    });

    it('still answers 404 to a path nothing serves', async () => {
      expect((await t.http().delete('/v1/no-such-thing').set(writer)).status).toBe(404);
    });
  });

  describe('when a read backed by a projection names a position', () => {
    const startWorkflow = async () => {
      const r = await t
        .http()
        .post('/v1/workflows')
        .set(writer)
        .send({ steps: [{ id: 's1', name: 'One', kind: 'manual' }] })
        .expect(201);
      return r.body as { workflowId: string; position: number };
    };

    it('reads its write through the x-min-position header on invoices and workflows, as through the query', async () => {
      const wf = await startWorkflow();
      const viaHeader = await t.http().get(`/v1/workflows/${wf.workflowId}`).set(reader).set('x-min-position', String(wf.position));
      expect(viaHeader.status).toBe(200);
      const inv = await t.http().post('/v1/invoices').set(writer).send({ period: '2026-11', currency: 'EUR' }).expect(201);
      const invoice = await t.http().get(`/v1/invoices/${inv.body.invoiceId}`).set(reader).set('x-min-position', String(inv.body.position));
      expect(invoice.status).toBe(200);
      const list = await t.http().get('/v1/invoices').set(reader).set('x-min-position', String(inv.body.position));
      expect(list.body.items.map((i: { invoiceId: string }) => i.invoiceId)).toContain(inv.body.invoiceId);
    });

    it('refuses at once, with 409 PROJECTION.POSITION_AHEAD, a position past the head of the global log', async () => {
      const wf = await startWorkflow();
      const head = await t.app.get<EventStore>(EVENT_STORE).headPosition();
      for (const [how, req] of [
        ['query', t.http().get(`/v1/workflows/${wf.workflowId}`).query({ minPosition: '57000000000000' })],
        [
          'header',
          t
            .http()
            .get('/v1/payments')
            .set('x-min-position', String(head + 1000)),
        ],
      ] as const) {
        const started = Date.now();
        const r = await req.set(reader);
        expect({ how, status: r.status, error: r.body.error }).toEqual({ how, status: 409, error: 'PROJECTION.POSITION_AHEAD' });
        expect(Date.now() - started).toBeLessThan(2000);
      }
    });

    it.each([['5.7e16'], ['-1'], ['1.5'], ['9007199254740992'], ['abc']])('refuses minPosition=%s with 400', async (value) => {
      const r = await t.http().get('/v1/workflows/wf-x').query({ minPosition: value }).set(reader);
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ error: 'ValidationError', details: [expect.objectContaining({ field: 'minPosition' })] });
      const h = await t.http().get('/v1/invoices').set('x-min-position', value).set(reader);
      expect(h.status).toBe(400);
      expect(h.body).toMatchObject({ error: 'ValidationError', details: [expect.objectContaining({ field: 'x-min-position' })] });
    });
  });

  describe('when lists page and filter by time', () => {
    it('pages workflows with cursors and filters them by creation time', async () => {
      const ids: string[] = [];
      let position = 0;
      for (let i = 0; i < 3; i++) {
        const r = await t
          .http()
          .post('/v1/workflows')
          .set(writer)
          .send({ workflowId: `wf-page-${randomUUID()}`, steps: [{ id: 's1', name: 'One', kind: 'manual' }] })
          .expect(201);
        ids.unshift(r.body.workflowId);
        position = r.body.position;
      }
      const from = new Date(Date.now() - 60_000).toISOString();
      const first = await t.http().get('/v1/workflows').query({ size: 2, from, minPosition: position }).set(reader);
      expect(first.status).toBe(200);
      expect(first.body.items.map((w: { workflowId: string }) => w.workflowId)).toEqual(ids.slice(0, 2));
      const second = await t.http().get('/v1/workflows').query({ size: 2, from, cursor: first.body.nextCursor }).set(reader);
      expect(second.body.items[0].workflowId).toBe(ids[2]);
      const future = await t.http().get('/v1/workflows').query({ from: '2999-01-01' }).set(reader);
      expect(future.body).toEqual({ total: 0, items: [], nextCursor: null });
      const inverted = await t.http().get('/v1/workflows').query({ from: '2026-02-01', to: '2026-01-01' }).set(reader);
      expect(inverted.body).toEqual({ total: 0, items: [], nextCursor: null });
    });
  });

  describe('when events are appended with an Idempotency-Key', () => {
    const body = {
      aggregateType: 'Order',
      expectedVersion: 'any',
      events: [
        { eventType: 'OrderPlaced', eventData: { n: 1 } },
        { eventType: 'OrderPaid', eventData: {} },
      ],
    };

    it('derives the event ids from the key, so a repeat records nothing new and answers the same versions', async () => {
      const id = `order-${randomUUID()}`;
      const key = `key-${randomUUID()}`;
      const first = await t.http().post(`/v1/aggregates/${id}/events`).set(writer).set('Idempotency-Key', key).send(body);
      expect(first.status).toBe(201);
      const again = await t.http().post(`/v1/aggregates/${id}/events`).set(writer).set('Idempotency-Key', key).send(body);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      const stream = await t.http().get(`/v1/aggregates/${id}/events`).set(reader);
      expect(stream.body.version).toBe(2);
      const other = await t.http().post(`/v1/aggregates/${id}/events`).set(writer).set('Idempotency-Key', `other-${key}`).send(body);
      expect(other.body).toMatchObject({ fromVersion: 3, version: 4 });
    });

    it('keeps an explicit eventId and refuses a malformed key with 400', async () => {
      const id = `order-${randomUUID()}`;
      const eventId = randomUUID();
      const r = await t
        .http()
        .post(`/v1/aggregates/${id}/events`)
        .set(writer)
        .set('Idempotency-Key', 'k')
        .send({ ...body, events: [{ eventId, eventType: 'OrderPlaced', eventData: {} }] });
      expect(r.status).toBe(201);
      expect((await t.http().get(`/v1/aggregates/${id}/events`).set(reader)).body.events[0].eventId).toBe(eventId);
      const bad = await t.http().post(`/v1/aggregates/${id}/events`).set(writer).set('Idempotency-Key', 'with space').send(body);
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ error: 'ValidationError', details: [expect.objectContaining({ field: 'Idempotency-Key' })] });
    });
  });
});
