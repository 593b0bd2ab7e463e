import { EVENT_STORE, type EventStore } from '@gyroscops/event-store';
import { startTestApp, type TestApp } from '../support/e2e-app';

/** Every write endpoint; `:id` and `:stepId` are filled with a well-formed id unless the case is about ids. */
const WRITE_ENDPOINTS = [
  '/v1/aggregates/:id/events',
  '/v1/payments',
  '/v1/payments/:id/refunds',
  '/v1/invoices',
  '/v1/invoices/:id/lines',
  '/v1/invoices/:id/issue',
  '/v1/invoices/:id/void',
  '/v1/workflows',
  '/v1/workflows/:id/steps/:stepId/complete',
  '/v1/workflows/:id/steps/:stepId/fail',
  '/v1/workflows/:id/steps/:stepId/retry',
  '/v1/workflows/:id/cancel',
  '/v1/projections/:name/rebuild',
];

const deep = (n: number): unknown => (n === 0 ? 1 : { a: deep(n - 1) });

/** Bodies no endpoint may accept, sent as raw text so malformed JSON and odd numbers reach the server as they are. */
const BODIES: [string, string][] = [
  ['malformed JSON', '{"amount": 1, '],
  ['a JSON array', '[1, 2, 3]'],
  ['a bare string', '"hello"'],
  ['null', 'null'],
  ['missing fields', '{}'],
  ['wrong types', '{"amount": {"x": 1}, "currency": 42, "events": "no", "steps": 7, "period": [], "aggregateType": false}'],
  ['a huge string', JSON.stringify({ amount: '9'.repeat(1_000_000), currency: 'EUR', description: 'x'.repeat(1_000_000) })],
  ['1e400', '{"amount": 1e400, "currency": "EUR", "quantity": 1e400, "unitPrice": 1e400, "expectedVersion": 1e400}'],
  ['-0', '{"amount": -0, "currency": "EUR", "expectedVersion": -0}'],
  ['deep nesting', JSON.stringify({ amount: deep(2000), currency: 'EUR' })],
  [
    'too many events',
    JSON.stringify({
      aggregateType: 'Thing',
      expectedVersion: 'any',
      events: Array.from({ length: 1001 }, () => ({ eventType: 'A', eventData: {} })),
    }),
  ],
  ['a prototype key', '{"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}}'],
];

const ODD_IDS = ['*', '_search', '..%2F..%2Fetc', '%00', 'a'.repeat(600), 'a b', '%2A'];

describe('Hostile input on every write endpoint', () => {
  let t: TestApp;
  let store: EventStore;
  let auth: { Authorization: string };
  let headBefore: number;
  beforeAll(async () => {
    t = await startTestApp('hostile', { BODY_LIMIT_BYTES: String(4 * 1024 * 1024) });
    store = t.app.get<EventStore>(EVENT_STORE);
    auth = t.auth('org-hostile', ['writer', 'reader', 'admin']);
    headBefore = await store.headPosition();
  });
  afterAll(async () => t.close());

  const fill = (path: string, id = 'hostile-target-1') => path.replace(':id', id).replace(':stepId', 'step-1').replace(':name', id);

  const expectCleanRefusal = (r: { status: number; body: unknown; text: string }, label: string) => {
    expect({ label, status: r.status >= 400 && r.status < 500 }).toEqual({ label, status: true });
    expect(r.body).toEqual(expect.objectContaining({ error: expect.any(String), message: expect.any(String) }));
    expect(r.text).not.toMatch(/\n\s+at |\.ts:\d+|\.js:\d+|node_modules/);
  };

  it.each(WRITE_ENDPOINTS)('%s refuses every malformed body with a 4xx in the error shape', async (path) => {
    for (const [label, body] of BODIES) {
      const r = await t.http().post(fill(path)).set(auth).set('content-type', 'application/json').send(body);
      expectCleanRefusal(r, `${path} ${label}`);
    }
  });

  it.each(WRITE_ENDPOINTS.filter((p) => p.includes(':')))('%s refuses odd ids with a 4xx in the error shape', async (path) => {
    for (const id of ODD_IDS) {
      const r = await t.http().post(fill(path, id)).set(auth).set('content-type', 'application/json').send('{}');
      expectCleanRefusal(r, `${path} id=${id}`);
    }
  });

  it.each(WRITE_ENDPOINTS)('%s answers 413 PayloadTooLarge for an oversized body', async (path) => {
    const r = await t
      .http()
      .post(fill(path))
      .set(auth)
      .set('content-type', 'application/json')
      .send(JSON.stringify({ blob: 'x'.repeat(5 * 1024 * 1024) }));
    expect(r.status).toBe(413);
    expect(r.body).toEqual(expect.objectContaining({ error: 'PayloadTooLarge', message: expect.any(String) }));
  });

  it('recorded nothing and is still healthy afterwards', async () => {
    expect(await store.headPosition()).toBe(headBefore);
    expect((await t.http().get('/health/ready')).status).toBe(200);
  });
});
