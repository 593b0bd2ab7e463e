import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/e2e-app';
import { lastPosition, sagasPassed } from './saga-chain.support';

describe('Billing module over HTTP', () => {
  let t: TestApp;
  let writer: { Authorization: string };
  let reader: { Authorization: string };
  beforeAll(async () => {
    t = await startTestApp('billing');
    writer = t.auth('org-bill', ['writer', 'reader']);
    reader = t.auth('org-bill', ['reader']);
  });
  afterAll(async () => t.close());

  const create = (body: object, headers: Record<string, string> = {}) => t.http().post('/v1/invoices').set(writer).set(headers).send(body);
  const addLine = (id: string, body: object, headers: Record<string, string> = {}) =>
    t.http().post(`/v1/invoices/${id}/lines`).set(writer).set(headers).send(body);
  const issue = (id: string) => t.http().post(`/v1/invoices/${id}/issue`).set(writer).send();
  const get = (id: string, minPosition?: number) =>
    t
      .http()
      .get(`/v1/invoices/${id}`)
      .query(minPosition ? { minPosition } : {})
      .set(reader);
  const newInvoice = async (currency = 'EUR', period = '2026-11') => {
    const invoiceId = `inv-${randomUUID()}`;
    const r = await create({ invoiceId, period, currency });
    expect(r.status).toBe(201);
    return invoiceId;
  };
  const pay = (invoiceId: string, amount: string, currency = 'EUR') =>
    t.http().post('/v1/payments').set(writer).send({ amount, currency, invoiceId });

  describe('an invoice from draft to issued', () => {
    it('totals its lines exactly (half to even at the currency precision), shows them, and refuses lines after issue', async () => {
      const invoiceId = `inv-${randomUUID()}`;
      const c = await create({ invoiceId, period: '2026-11', currency: 'EUR' });
      expect(c.body).toEqual({ invoiceId, status: 'draft', total: '0.00', version: 1, position: expect.any(Number) });

      const l1 = await addLine(invoiceId, {
        description: 'vCPU hours',
        quantity: '2.5',
        unitPrice: '0.01',
        cloudResource: { resourceType: 'vm', resourceId: 'vm-1' },
      });
      expect(l1.status).toBe(201);
      expect(l1.body).toMatchObject({ invoiceId, status: 'draft', amount: '0.02', total: '0.02', version: 2, lineId: expect.any(String) });
      const l2 = await addLine(invoiceId, { lineId: 'storage', description: 'GB-months', quantity: 3, unitPrice: 19.99 });
      expect(l2.body).toMatchObject({ lineId: 'storage', amount: '59.97', total: '59.99' });

      const view = await get(invoiceId, l2.body.position);
      expect(view.status).toBe(200);
      expect(view.body).toMatchObject({
        invoiceId,
        period: '2026-11',
        currency: 'EUR',
        status: 'draft',
        total: '59.99',
        totalMinor: 5999,
        organizationId: 'org-bill',
        version: 3,
        lines: [
          {
            lineId: l1.body.lineId,
            quantity: '2.5',
            unitPrice: '0.01',
            amount: '0.02',
            cloudResource: { resourceType: 'vm', resourceId: 'vm-1' },
          },
          { lineId: 'storage', quantity: '3', unitPrice: '19.99', amount: '59.97' },
        ],
      });

      const issued = await issue(invoiceId);
      expect(issued.status).toBe(200);
      expect(issued.body).toMatchObject({ status: 'issued', total: '59.99', version: 4 });
      const late = await addLine(invoiceId, { description: 'late', quantity: 1, unitPrice: 1 });
      expect(late.status).toBe(409);
      expect(late.body).toMatchObject({ error: 'INVOICE.ALREADY_ISSUED' });
      const again = await issue(invoiceId);
      expect(again.body).toMatchObject({ error: 'INVOICE.ALREADY_ISSUED' });

      const h = await t.http().get(`/v1/invoices/${invoiceId}/history`).set(reader);
      expect(h.body.history.map((e: { eventType: string }) => e.eventType)).toEqual([
        'InvoiceCreated',
        'InvoiceLineAdded',
        'InvoiceLineAdded',
        'InvoiceIssued',
      ]);
      expect(h.body.history[1]).toMatchObject({
        data: { amountMinor: 2, totalMinor: 2, currency: 'EUR', period: '2026-11', quantity: '2.5' },
        metadata: { source: 'api' },
      });

      const v2 = await t.http().get(`/v1/invoices/${invoiceId}/replay`).query({ version: 2 }).set(reader);
      expect(v2.body).toMatchObject({ status: 'draft', total: '0.02', version: 2 });
      expect(v2.body.lines).toHaveLength(1);
      const before = await t.http().get(`/v1/invoices/${invoiceId}/replay`).query({ at: '2000-01-01T00:00:00Z' }).set(reader);
      expect(before.status).toBe(404);
    });

    it('refuses to issue an empty invoice with INVOICE.EMPTY, voids it, then refuses it with INVOICE.VOIDED', async () => {
      const invoiceId = await newInvoice('JPY');
      expect((await issue(invoiceId)).body).toMatchObject({ error: 'INVOICE.EMPTY' });
      const v = await t.http().post(`/v1/invoices/${invoiceId}/void`).set(writer).send({ reason: 'opened by mistake' });
      expect(v.status).toBe(200);
      expect(v.body).toMatchObject({ status: 'voided' });
      expect((await t.http().post(`/v1/invoices/${invoiceId}/void`).set(writer).send({})).body).toMatchObject({ error: 'INVOICE.VOIDED' });
      expect((await addLine(invoiceId, { description: 'x', quantity: 1, unitPrice: 1 })).body).toMatchObject({ error: 'INVOICE.VOIDED' });
    });

    it('answers 404 INVOICE.NOT_FOUND for unknown invoices', async () => {
      for (const r of [
        await get('inv-unknown'),
        await issue('inv-unknown'),
        await t.http().get('/v1/invoices/inv-unknown/history').set(reader),
      ]) {
        expect(r.status).toBe(404);
        expect(r.body.error).toBe('INVOICE.NOT_FOUND');
      }
    });
  });

  describe('when a payment names the invoice', () => {
    it('marks it partially paid, then paid; a payment in another currency is recorded as rejected', async () => {
      const invoiceId = await newInvoice();
      await addLine(invoiceId, { description: 'vm', quantity: 1, unitPrice: '30.00' }).expect(201);
      await issue(invoiceId).expect(200);

      const p1 = await pay(invoiceId, '10.00');
      expect(p1.status).toBe(201);
      await sagasPassed(t, ['billing-invoice-payment'], p1.body.position);
      expect((await get(invoiceId, await lastPosition(t, `/v1/invoices/${invoiceId}`, reader))).body).toMatchObject({
        status: 'partially_paid',
        paid: '10.00',
        balance: '20.00',
      });

      const usd = await pay(invoiceId, '20.00', 'USD');
      await sagasPassed(t, ['billing-invoice-payment'], usd.body.position);
      const p2 = await pay(invoiceId, '20.00');
      await sagasPassed(t, ['billing-invoice-payment'], p2.body.position);

      const h = await t.http().get(`/v1/invoices/${invoiceId}/history`).set(reader);
      const tail = h.body.history.slice(-3);
      expect(tail.map((e: { eventType: string }) => e.eventType)).toEqual([
        'InvoicePaymentApplied',
        'InvoicePaymentRejected',
        'InvoicePaymentApplied',
      ]);
      expect(tail[1]).toMatchObject({
        data: { paymentId: usd.body.paymentId, reason: 'INVOICE.CURRENCY_MISMATCH', currency: 'USD', invoiceCurrency: 'EUR' },
      });
      expect(tail[2]).toMatchObject({
        data: { paymentId: p2.body.paymentId, status: 'paid', paid: '30.00', balance: '0.00' },
        correlationId: (await t.http().get(`/v1/payments/${p2.body.paymentId}/history`).set(reader)).body.history[0].correlationId,
        metadata: { source: 'saga' },
      });
      const view = await get(invoiceId, tail[2].position);
      expect(view.body).toMatchObject({ status: 'paid', paid: '30.00', balance: '0.00' });
      expect((await t.http().post(`/v1/invoices/${invoiceId}/void`).set(writer).send({})).body).toMatchObject({
        error: 'INVOICE.ALREADY_PAID',
      });
    });

    it('records a payment of a draft as rejected with INVOICE.NOT_ISSUED', async () => {
      const invoiceId = await newInvoice();
      await addLine(invoiceId, { description: 'vm', quantity: 1, unitPrice: 5 }).expect(201);
      const p = await pay(invoiceId, '5.00');
      await sagasPassed(t, ['billing-invoice-payment'], p.body.position);
      const h = await t.http().get(`/v1/invoices/${invoiceId}/history`).set(reader);
      expect(h.body.history.at(-1)).toMatchObject({ eventType: 'InvoicePaymentRejected', data: { reason: 'INVOICE.NOT_ISSUED' } });
    });
  });

  describe('the list of the organization’s invoices', () => {
    it('filters by status, period and currency, newest first, and shows no other organization’s', async () => {
      const period = '2031-02';
      const a = await newInvoice('EUR', period);
      const b = await newInvoice('EUR', period);
      const l = await addLine(b, { description: 'x', quantity: 1, unitPrice: 1 });
      const i = await issue(b);
      const c = await newInvoice('CHF', period);
      const other = t.auth('org-other', ['writer', 'reader']);
      await t.http().post('/v1/invoices').set(other).send({ period, currency: 'EUR' }).expect(201);
      const minPosition = Math.max(l.body.position, i.body.position, await lastPosition(t, `/v1/invoices/${c}`, reader));

      const all = await t.http().get('/v1/invoices').query({ period, minPosition }).set(reader);
      expect(all.status).toBe(200);
      expect(all.body.items.map((x: { invoiceId: string }) => x.invoiceId)).toEqual([c, b, a]);
      expect(all.body).toMatchObject({ total: 3, nextCursor: null });
      expect(all.body.items[0]).not.toHaveProperty('lines');
      const drafts = await t.http().get('/v1/invoices').query({ period, status: 'draft', currency: 'EUR', minPosition }).set(reader);
      expect(drafts.body.items.map((x: { invoiceId: string }) => x.invoiceId)).toEqual([a]);
      const page = await t.http().get('/v1/invoices').query({ period, size: 2, minPosition }).set(reader);
      expect(page.body).toMatchObject({ total: 3, nextCursor: expect.any(String) });
      expect(page.body.items.map((x: { invoiceId: string }) => x.invoiceId)).toEqual([c, b]);
      const rest = await t.http().get('/v1/invoices').query({ period, size: 2, cursor: page.body.nextCursor }).set(reader);
      expect(rest.body).toMatchObject({ total: 3, nextCursor: null });
      expect(rest.body.items.map((x: { invoiceId: string }) => x.invoiceId)).toEqual([a]);
      expect((await t.http().get('/v1/invoices').query({ status: 'unpaid' }).set(reader)).status).toBe(400);
    });
  });

  describe('idempotency and isolation', () => {
    it('answers a repeated line with the same Idempotency-Key with the first response and adds it once', async () => {
      const invoiceId = await newInvoice();
      const key = randomUUID();
      const first = await addLine(invoiceId, { description: 'vm', quantity: 1, unitPrice: 5 }, { 'Idempotency-Key': key });
      const again = await addLine(invoiceId, { description: 'vm', quantity: 1, unitPrice: 5 }, { 'Idempotency-Key': key });
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      expect((await t.http().get(`/v1/invoices/${invoiceId}/history`).set(reader)).body.history).toHaveLength(2);
    });

    it('hides an invoice from another organization', async () => {
      const invoiceId = await newInvoice();
      const other = t.auth('org-other', ['writer', 'reader']);
      expect((await t.http().get(`/v1/invoices/${invoiceId}`).set(other)).status).toBe(404);
      expect((await t.http().get(`/v1/invoices/${invoiceId}/history`).set(other)).status).toBe(404);
      expect((await t.http().get(`/v1/invoices/${invoiceId}/replay`).set(other)).status).toBe(404);
      expect(
        (await t.http().post(`/v1/invoices/${invoiceId}/lines`).set(other).send({ description: 'x', quantity: 1, unitPrice: 1 })).status,
      ).toBe(404);
    });

    it('refuses readers’ writes with 403', async () => {
      expect((await t.http().post('/v1/invoices').set(reader).send({ period: '2026-11', currency: 'EUR' })).status).toBe(403);
    });
  });

  describe('when the input is bad', () => {
    it.each([
      ['a malformed period', { period: '2026-13', currency: 'EUR' }, 'ValidationError'],
      ['an unknown currency', { period: '2026-11', currency: 'EURO' }, 'ValidationError'],
      ['a missing currency', { period: '2026-11' }, undefined],
      ['an unexpected field', { period: '2026-11', currency: 'EUR', hacker: true }, undefined],
    ])('answers 400 to a creation with %s and records nothing', async (_label, body, code) => {
      const invoiceId = `inv-${randomUUID()}`;
      const r = await create({ invoiceId, ...body });
      expect(r.status).toBe(400);
      if (code) expect(r.body.error).toBe(code);
      expect(r.body.details).toBeDefined();
      expect((await t.http().get(`/v1/invoices/${invoiceId}/history`).set(reader)).status).toBe(404);
    });

    it.each([
      ['a zero quantity', { description: 'x', quantity: 0, unitPrice: 1 }, 'ValidationError'],
      ['a quantity with 7 decimals', { description: 'x', quantity: '0.0000001', unitPrice: 1 }, 'ValidationError'],
      ['an exponent', { description: 'x', quantity: '1e3', unitPrice: 1 }, 'ValidationError'],
      ['a unit price with 4 decimals', { description: 'x', quantity: 1, unitPrice: '1.0001' }, 'ValidationError'],
      ['a negative unit price', { description: 'x', quantity: 1, unitPrice: -1 }, 'ValidationError'],
      ['an empty description', { description: '', quantity: 1, unitPrice: 1 }, undefined],
      ['a cloud resource without type', { description: 'x', quantity: 1, unitPrice: 1, cloudResource: { resourceId: 'vm-1' } }, undefined],
    ])('answers 400 to a line with %s and records nothing', async (_label, body, code) => {
      const invoiceId = await newInvoice();
      const r = await addLine(invoiceId, body);
      expect(r.status).toBe(400);
      if (code) expect(r.body.error).toBe(code);
      expect((await t.http().get(`/v1/invoices/${invoiceId}/history`).set(reader)).body.history).toHaveLength(1);
    });

    it('answers 409 INVOICE.INVALID_AMOUNT to a unit price more precise than the invoice currency, and records nothing', async () => {
      const invoiceId = await newInvoice('EUR');
      const r = await addLine(invoiceId, { description: 'x', quantity: 1, unitPrice: '1.001' });
      expect(r.status).toBe(409);
      expect(r.body).toMatchObject({
        error: 'INVOICE.INVALID_AMOUNT',
        details: [expect.objectContaining({ field: 'unitPrice', decimals: 2 })],
      });
      expect((await t.http().get(`/v1/invoices/${invoiceId}/history`).set(reader)).body.history).toHaveLength(1);
    });

    it('answers 409 INVOICE.CURRENCY_MISMATCH to a line priced in another currency', async () => {
      const invoiceId = await newInvoice('EUR');
      const r = await addLine(invoiceId, { description: 'x', quantity: 1, unitPrice: 1, currency: 'USD' });
      expect(r.status).toBe(409);
      expect(r.body).toMatchObject({ error: 'INVOICE.CURRENCY_MISMATCH', details: { invoiceCurrency: 'EUR', currency: 'USD' } });
    });
  });
});
