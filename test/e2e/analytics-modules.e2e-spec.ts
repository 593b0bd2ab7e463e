import { randomBytes } from 'node:crypto';
import { refreshAll, startTestApp, type TestApp } from '../support/e2e-app';
import { sagasPassed } from './saga-chain.support';

/**
 * The domain figures over events the Payment, Billing and Workflow modules really record (their commands over HTTP),
 * so a renamed event type or field breaks this test rather than silently zeroing a figure.
 */
describe('Analytics domain figures over events recorded by the domain modules', () => {
  let t: TestApp;
  const org = `org-flow-${randomBytes(3).toString('hex')}`;
  let writer: { Authorization: string };
  let reader: { Authorization: string };
  const workflowId = `wf-${randomBytes(4).toString('hex')}`;
  const payingCorrelation = `pay-corr-${randomBytes(4).toString('hex')}`;

  const post = async (path: string, body: object = {}, headers: Record<string, string> = {}) => {
    const r = await t.http().post(path).set(writer).set(headers).send(body);
    expect({ path, ok: r.status === 200 || r.status === 201, body: r.body }).toMatchObject({ path, ok: true });
    return r.body as Record<string, string>;
  };
  const get = (path: string) => t.http().get(path).set(reader);

  beforeAll(async () => {
    t = await startTestApp('analytics-modules');
    writer = t.auth(org, ['writer', 'reader']);
    reader = t.auth(org, ['reader']);

    const eur = await post('/v1/payments', { amount: '12.34', currency: 'EUR' });
    await post('/v1/payments', { amount: 5, currency: 'JPY' });
    await post(`/v1/payments/${eur.paymentId}/refunds`, { amount: '2.00' });

    const kept = await post('/v1/invoices', { period: '2024-12', currency: 'EUR' });
    await post(`/v1/invoices/${kept.invoiceId}/lines`, { description: 'VM', quantity: 2, unitPrice: '10.50' });
    await post(`/v1/invoices/${kept.invoiceId}/issue`);
    // A payment naming the invoice: the Billing saga applies it, caused by the PaymentProcessed event.
    const paying = await post(
      '/v1/payments',
      { amount: '10.00', currency: 'EUR', invoiceId: kept.invoiceId },
      { 'x-correlation-id': payingCorrelation },
    );
    await sagasPassed(t, ['billing-invoice-payment'], Number(paying.position));
    const voided = await post('/v1/invoices', { period: '2024-12', currency: 'EUR' });
    await post(`/v1/invoices/${voided.invoiceId}/lines`, { description: 'Disk', quantity: 1, unitPrice: '5' });
    await post(`/v1/invoices/${voided.invoiceId}/issue`);
    await post(`/v1/invoices/${voided.invoiceId}/void`, { reason: 'duplicate' });
    const draft = await post('/v1/invoices', { period: '2024-12', currency: 'EUR' });
    await post(`/v1/invoices/${draft.invoiceId}/void`, {});

    await post('/v1/workflows', {
      workflowId,
      steps: [
        { id: 'a', name: 'Configure', kind: 'configure' },
        { id: 'b', name: 'Notify', kind: 'notify' },
      ],
    });
    await post(`/v1/workflows/${workflowId}/steps/a/complete`, { output: {} });
    await post(`/v1/workflows/${workflowId}/steps/b/fail`, { error: { message: 'mail server down' } });
    await post(`/v1/workflows/${workflowId}/steps/b/retry`);
    await post(`/v1/workflows/${workflowId}/steps/b/complete`, { output: {} });
    await refreshAll(t);
  }, 120_000);

  afterAll(async () => t?.close());

  it('sums the payments the Payment module recorded, per currency, formatted', async () => {
    const r = await get('/v1/analytics/payments/volume');
    expect(r.status).toBe(200);
    expect(r.body.currencies).toMatchObject({
      EUR: { payments: 2, volume: '22.34', volumeMinor: 2234 },
      JPY: { payments: 1, volume: '5', volumeMinor: 5 },
    });
    expect(Object.keys(r.body.currencies).sort()).toEqual(['EUR', 'JPY']);
  });

  it('gives the refund ratio of those payments', async () => {
    const r = await get('/v1/analytics/payments/refund-ratio');
    expect(r.body.currencies.EUR).toEqual({
      payments: 2,
      paid: '22.34',
      paidMinor: 2234,
      refunds: 1,
      refunded: '2.00',
      refundedMinor: 200,
      ratio: 0.089526,
    });
    expect(r.body.currencies.JPY).toMatchObject({ refunds: 0, refunded: '0', ratio: 0 });
  });

  it('totals the invoices the Billing module issued, voided (a voided draft never counted) and was paid', async () => {
    const r = await get('/v1/analytics/billing/totals');
    expect(r.body).toEqual({
      organizations: {
        [org]: {
          '2024-12': {
            EUR: {
              issued: { invoices: 2, amount: '26.00', amountMinor: 2600 },
              voided: { invoices: 1, amount: '5.00', amountMinor: 500 },
              net: { amount: '21.00', amountMinor: 2100 },
              paid: { payments: 1, amount: '10.00', amountMinor: 1000 },
            },
          },
        },
      },
    });
  });

  it('gives the Workflow module’s steps their failure rate and durations', async () => {
    const events = (await t.http().get(`/v1/aggregates/${workflowId}/events`).set(reader)).body.events as {
      eventType: string;
      eventData: { stepKind?: string; durationMs: number };
    }[];
    const duration = (type: string, kind?: string) =>
      events
        .filter((e) => e.eventType === type && (kind === undefined || e.eventData.stepKind === kind))
        .map((e) => e.eventData.durationMs);
    const r = await get('/v1/analytics/workflows/steps');
    expect(r.body.stepKinds).toEqual({
      configure: {
        steps: 1,
        completed: 1,
        failed: 0,
        failureRate: 0,
        durationMs: { count: 1, avg: duration('WorkflowStepCompleted', 'configure')[0], p50: expect.any(Number), p95: expect.any(Number) },
      },
      notify: {
        steps: 2,
        completed: 1,
        failed: 1,
        failureRate: 0.5,
        durationMs: { count: 1, avg: duration('WorkflowStepCompleted', 'notify')[0], p50: expect.any(Number), p95: expect.any(Number) },
      },
    });
    expect(r.body.stepKinds.notify.durationMs.p50).toBe(duration('WorkflowStepCompleted', 'notify')[0]);
    expect(r.body.workflows).toEqual({
      completed: 1,
      durationMs: {
        count: 1,
        avg: duration('WorkflowCompleted')[0],
        p50: duration('WorkflowCompleted')[0],
        p95: duration('WorkflowCompleted')[0],
      },
    });
  });

  it('shows the saga’s reaction as caused by the payment in the correlation’s causation tree', async () => {
    const r = await get(`/v1/analytics/correlations/${payingCorrelation}`);
    expect(r.status).toBe(200);
    const nodes = r.body.nodes as {
      event: { eventId: string; eventType: string; causationId: string };
      causedBy: string | null;
      children: string[];
    }[];
    expect(nodes.map((n) => n.event.eventType)).toEqual(['PaymentProcessed', 'InvoicePaymentApplied']);
    const [paid, applied] = nodes;
    expect(r.body.roots).toEqual([paid.event.eventId]);
    expect(paid).toMatchObject({ causedBy: null, children: [applied.event.eventId] });
    expect(applied).toMatchObject({ causedBy: paid.event.eventId, children: [] });
    expect(paid.event.causationId).not.toBe(paid.event.eventId);
  });

  it('counts all of it in the organization’s statistics and its monthly trend', async () => {
    const all = (await t.http().get('/v1/analytics/search').query({ size: 1000 }).set(reader)).body;
    const r = await get('/v1/analytics/events/statistics');
    expect(r.body.total).toBe(all.total);
    expect(r.body.byOrganization).toEqual({ [org]: all.total });
    const trends = await get('/v1/analytics/events/trends?interval=month');
    expect(Object.values(trends.body.trends).reduce((a, b) => (a as number) + (b as number), 0)).toBe(all.total);
  });
});
