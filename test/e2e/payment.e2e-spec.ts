import { randomUUID } from 'node:crypto';
import { refreshAll, startTestApp, type TestApp } from '../support/e2e-app';

describe('Payment module over HTTP', () => {
  let t: TestApp;
  let writer: { Authorization: string };
  let reader: { Authorization: string };
  beforeAll(async () => {
    t = await startTestApp('payment');
    writer = t.auth('org-pay', ['writer', 'reader']);
    reader = t.auth('org-pay', ['reader']);
  });
  afterAll(async () => t.close());

  const pay = (body: object, headers: Record<string, string> = {}) => t.http().post('/v1/payments').set(writer).set(headers).send(body);

  describe('the seed scenario: one payment', () => {
    it('processes it and its history holds exactly one PaymentProcessed', async () => {
      const paymentId = `pay-${randomUUID()}`;
      const r = await pay({ paymentId, amount: 100, currency: 'EUR' });
      expect(r.status).toBe(201);
      expect(r.body).toEqual({ paymentId, status: 'completed', version: 1, position: expect.any(Number) });
      const h = await t.http().get(`/v1/payments/${paymentId}/history`).set(reader);
      expect(h.status).toBe(200);
      expect(h.body.paymentId).toBe(paymentId);
      expect(h.body.history).toHaveLength(1);
      expect(h.body.history[0]).toMatchObject({
        eventType: 'PaymentProcessed',
        data: { paymentId, amount: '100.00', currency: 'EUR', status: 'completed' },
        metadata: { organizationId: 'org-pay', source: 'api' },
      });
    });
  });

  describe('the seed scenario: three payments', () => {
    it('finds all three with a time-window search of payment events', async () => {
      const from = new Date(Date.now() - 1000).toISOString();
      const ids: string[] = [];
      for (const amount of ['10.00', '20.50', 30]) {
        const r = await pay({ amount, currency: 'EUR', description: 'seed-three-window' });
        expect(r.status).toBe(201);
        ids.push(r.body.paymentId);
      }
      const to = new Date(Date.now() + 1000).toISOString();
      await refreshAll(t);
      const s = await t.http().get('/v1/payments/events').query({ from, to, q: 'seed-three-window' }).set(reader);
      expect(s.status).toBe(200);
      expect(s.body.results.map((e: { aggregateId: string }) => e.aggregateId).sort()).toEqual([...ids].sort());
      expect(s.body.results[0].timestamp >= s.body.results[2].timestamp).toBe(true);
    });
  });

  describe('when a payment is processed twice', () => {
    it('refuses the second time with PAYMENT.ALREADY_PROCESSED, but repeats the first answer for the same Idempotency-Key', async () => {
      const paymentId = `pay-${randomUUID()}`;
      const key = randomUUID();
      const first = await pay({ paymentId, amount: '5.00', currency: 'EUR' }, { 'Idempotency-Key': key });
      const again = await pay({ paymentId, amount: '5.00', currency: 'EUR' }, { 'Idempotency-Key': key });
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      const noKey = await pay({ paymentId, amount: '5.00', currency: 'EUR' });
      expect(noKey.status).toBe(409);
      expect(noKey.body).toMatchObject({ error: 'PAYMENT.ALREADY_PROCESSED' });
      const h = await t.http().get(`/v1/payments/${paymentId}/history`).set(reader);
      expect(h.body.history).toHaveLength(1);
    });
    it('repeats the first answer for a generated payment id too', async () => {
      const key = randomUUID();
      const first = await pay({ amount: 7, currency: 'JPY' }, { 'Idempotency-Key': key });
      const again = await pay({ amount: 7, currency: 'JPY' }, { 'Idempotency-Key': key });
      expect(again.body.paymentId).toBe(first.body.paymentId);
    });
  });

  describe('when refunding', () => {
    it('refunds up to what was paid, then refuses with PAYMENT.REFUND_EXCEEDS_PAID, and replays any version or moment', async () => {
      const paymentId = `pay-${randomUUID()}`;
      await pay({ paymentId, amount: '50.00', currency: 'EUR' }).expect(201);
      const r1 = await t.http().post(`/v1/payments/${paymentId}/refunds`).set(writer).send({ amount: '20', reason: 'damaged' });
      expect(r1.status).toBe(201);
      expect(r1.body).toMatchObject({ status: 'partially_refunded', version: 2 });
      const r2 = await t.http().post(`/v1/payments/${paymentId}/refunds`).set(writer).send({ amount: '30.01' });
      expect(r2.status).toBe(409);
      expect(r2.body).toMatchObject({ error: 'PAYMENT.REFUND_EXCEEDS_PAID', details: { refundable: '30.00', currency: 'EUR' } });
      const v1 = await t.http().get(`/v1/payments/${paymentId}/replay`).query({ version: 1 }).set(reader);
      expect(v1.body).toMatchObject({ paymentId, amount: '50.00', currency: 'EUR', status: 'completed', refunded: '0.00', version: 1 });
      const now = await t.http().get(`/v1/payments/${paymentId}/replay`).set(reader);
      expect(now.body).toMatchObject({ status: 'partially_refunded', refunded: '20.00', version: 2 });
      const before = await t.http().get(`/v1/payments/${paymentId}/replay`).query({ at: '2000-01-01T00:00:00Z' }).set(reader);
      expect(before.status).toBe(404);
    });

    it('treats one Idempotency-Key on two payments as two commands (the key names a request to one resource)', async () => {
      const [first, second] = [`pay-${randomUUID()}`, `pay-${randomUUID()}`];
      await pay({ paymentId: first, amount: '50.00', currency: 'EUR' }).expect(201);
      await pay({ paymentId: second, amount: '40.00', currency: 'EUR' }).expect(201);
      const key = `refund-${randomUUID()}`;
      const refund = (paymentId: string, amount: string) =>
        t.http().post(`/v1/payments/${paymentId}/refunds`).set(writer).set('Idempotency-Key', key).send({ amount });
      expect((await refund(first, '10')).body).toMatchObject({ paymentId: first, version: 2 });
      expect((await refund(second, '5')).body).toMatchObject({ paymentId: second, status: 'partially_refunded', version: 2 });
      // A repeat on the first is still the first command: answered as before, refunded once.
      expect((await refund(first, '10')).body).toMatchObject({ paymentId: first, version: 2 });
      const replay = async (paymentId: string) => (await t.http().get(`/v1/payments/${paymentId}/replay`).set(reader)).body;
      expect(await replay(first)).toMatchObject({ refunded: '10.00', version: 2 });
      expect(await replay(second)).toMatchObject({ refunded: '5.00', version: 2 });
    });
  });

  describe('when the input is bad', () => {
    it.each([
      ['a negative amount', { amount: -5, currency: 'EUR' }],
      ['a zero amount', { amount: 0, currency: 'EUR' }],
      ['a non-numeric amount', { amount: 'ten', currency: 'EUR' }],
      ['an over-precise amount', { amount: '1.001', currency: 'EUR' }],
      ['decimals in JPY', { amount: '1.5', currency: 'JPY' }],
      ['an exponent', { amount: '1e3', currency: 'EUR' }],
      ['an unknown currency', { amount: 1, currency: 'EURO' }],
      ['an empty payment id', { paymentId: '', amount: 1, currency: 'EUR' }],
      ['a missing amount', { currency: 'EUR' }],
      ['an unexpected field', { amount: 1, currency: 'EUR', hacker: true }],
    ])('answers 400 for %s with details and records nothing', async (_label, body) => {
      const paymentId = `pay-${randomUUID()}`;
      const r = await pay({ paymentId, ...body });
      expect(r.status).toBe(400);
      expect(r.body.error).toEqual(expect.any(String));
      expect(r.body.details).toBeDefined();
      expect((await t.http().get(`/v1/payments/${paymentId}/history`).set(reader)).status).toBe(404);
    });
    it('answers 400 for 1e400 sent as a raw JSON number', async () => {
      const r = await t
        .http()
        .post('/v1/payments')
        .set(writer)
        .set('content-type', 'application/json')
        .send('{"amount": 1e400, "currency": "EUR"}');
      expect(r.status).toBe(400);
    });
  });

  describe('when another organization looks', () => {
    it('sees neither the history, the replay nor the events', async () => {
      const paymentId = `pay-${randomUUID()}`;
      await pay({ paymentId, amount: 1, currency: 'EUR', description: 'private-to-org-pay' }).expect(201);
      await refreshAll(t);
      const other = t.auth('org-other', ['reader']);
      expect((await t.http().get(`/v1/payments/${paymentId}/history`).set(other)).status).toBe(404);
      expect((await t.http().get(`/v1/payments/${paymentId}/replay`).set(other)).status).toBe(404);
      expect((await t.http().get('/v1/payments/events').query({ q: 'private-to-org-pay' }).set(other)).body.results).toEqual([]);
    });
  });
  describe('when reading the payments read model', () => {
    it('sees its own write with minPosition (query or header) and shows amount, status and refunds', async () => {
      const paymentId = `pay-${randomUUID()}`;
      const r = await pay({ paymentId, amount: '12.30', currency: 'EUR' });
      const g = await t.http().get(`/v1/payments/${paymentId}`).query({ minPosition: r.body.position }).set(reader);
      expect(g.status).toBe(200);
      expect(g.body).toMatchObject({ paymentId, amount: '12.30', currency: 'EUR', status: 'completed', refunded: '0.00', version: 1 });
      const rf = await t.http().post(`/v1/payments/${paymentId}/refunds`).set(writer).send({ amount: '2.30' });
      const g2 = await t.http().get(`/v1/payments/${paymentId}`).set(reader).set('x-min-position', String(rf.body.position));
      expect(g2.body).toMatchObject({ status: 'partially_refunded', refunded: '2.30', version: 2 });
      expect(
        (
          await t
            .http()
            .get(`/v1/payments/${paymentId}`)
            .set(t.auth('org-other', ['reader']))
            .query({ minPosition: rf.body.position })
        ).status,
      ).toBe(404);
    });

    it('lists the organization’s payments newest first, filtered, with a cursor', async () => {
      const currency = 'CHF';
      const ids: string[] = [];
      let position = 0;
      for (let i = 0; i < 5; i++) {
        const r = await pay({ amount: i + 1, currency });
        ids.push(r.body.paymentId);
        position = r.body.position;
      }
      const p1 = await t.http().get('/v1/payments').query({ currency, size: 2, minPosition: position }).set(reader);
      expect(p1.status).toBe(200);
      expect(p1.body.total).toBe(5);
      expect(p1.body.items.map((p: { paymentId: string }) => p.paymentId)).toEqual([ids[4], ids[3]]);
      const p2 = await t.http().get('/v1/payments').query({ currency, size: 2, cursor: p1.body.nextCursor }).set(reader);
      expect(p2.body.items.map((p: { paymentId: string }) => p.paymentId)).toEqual([ids[2], ids[1]]);
      expect(p2.body.total).toBe(5);
      const p3 = await t.http().get('/v1/payments').query({ currency, size: 2, cursor: p2.body.nextCursor }).set(reader);
      expect(p3.body.items.map((p: { paymentId: string }) => p.paymentId)).toEqual([ids[0]]);
      expect(p3.body.nextCursor).toBeNull();
      const other = await t
        .http()
        .get('/v1/payments')
        .query({ currency, minPosition: position })
        .set(t.auth('org-other', ['reader']));
      expect(other.body).toMatchObject({ total: 0, items: [] });
      expect((await t.http().get('/v1/payments').query({ status: 'lost' }).set(reader)).status).toBe(400);
      expect((await t.http().get('/v1/payments').query({ cursor: '!!!' }).set(reader)).status).toBe(400);
    });
  });
});
