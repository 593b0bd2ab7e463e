import { randomUUID } from 'node:crypto';
import { refreshAll, startTestApp, type TestApp } from '../support/e2e-app';
import { lastPosition, sagasPassed } from './saga-chain.support';

/**
 * The Gyroscops chain, end to end over HTTP on a real Elasticsearch: a provision-resource step completes → its
 * resource is billed on the organization's open invoice of the month → the invoice is issued and a payment naming
 * it pays it → the workflow goes on. Every request carries one correlation id, and the sagas keep it, so the
 * correlation's events are the whole story as one timeline.
 */
describe('The saga chain: workflow → billing → payment → workflow', () => {
  let t: TestApp;
  let writer: { Authorization: string };
  const org = `org-chain-${randomUUID().slice(0, 8)}`;
  beforeAll(async () => {
    t = await startTestApp('saga-chain');
    writer = t.auth(org, ['writer', 'reader']);
  });
  afterAll(async () => t.close());

  it('bills the provisioned resource, is paid, and goes on, all under one correlation id', async () => {
    const correlationId = `chain-${randomUUID()}`;
    const as = { ...writer, 'x-correlation-id': correlationId };
    const workflowId = `wf-${randomUUID()}`;

    // 1. The workflow provisions a VM.
    await t
      .http()
      .post('/v1/workflows')
      .set(as)
      .send({
        workflowId,
        name: 'Provision a VM',
        steps: [
          { id: 'vm', name: 'Provision the VM', kind: 'provision-resource' },
          { id: 'handover', name: 'Hand over', kind: 'notification' },
        ],
      })
      .expect(201);
    const output = { resourceType: 'vm', resourceId: 'vm-42', quantity: '730', unitPrice: '0.05', currency: 'EUR' };
    const completed = await t.http().post(`/v1/workflows/${workflowId}/steps/vm/complete`).set(as).send({ output });
    expect(completed.status).toBe(200);
    expect(completed.body).toMatchObject({ status: 'awaiting_payment' });
    expect((await t.http().post(`/v1/workflows/${workflowId}/steps/handover/complete`).set(as).send({ output: {} })).body).toMatchObject({
      error: 'WORKFLOW.AWAITING_PAYMENT',
    });

    // 2. The invoice line appears on the open invoice of the month, opened for it.
    await sagasPassed(t, ['billing-provisioning'], completed.body.position);
    await refreshAll(t);
    const afterBilling = (await t.http().get(`/v1/correlations/${correlationId}/events`).set(as)).body.events as {
      eventType: string;
      aggregateId: string;
      timestamp: string;
    }[];
    const lineEvent = afterBilling.find((e) => e.eventType === 'InvoiceLineAdded');
    expect(lineEvent).toBeDefined();
    const invoiceId = (lineEvent as { aggregateId: string }).aggregateId;
    // The open invoice of the month the step completed in (UTC), in the output's currency: its id is deterministic.
    const period = (afterBilling.find((e) => e.eventType === 'WorkflowStepCompleted') as { timestamp: string }).timestamp.slice(0, 7);
    expect(invoiceId).toBe(`inv:${org}:${period}:EUR:1`);
    const billedAt = await lastPosition(t, `/v1/invoices/${invoiceId}`, as);
    const invoice = await t.http().get(`/v1/invoices/${invoiceId}`).query({ minPosition: billedAt }).set(as);
    expect(invoice.status).toBe(200);
    expect(invoice.body).toMatchObject({
      status: 'draft',
      period,
      currency: 'EUR',
      total: '36.50',
      lines: [
        {
          lineId: `${workflowId}:vm`,
          quantity: '730',
          unitPrice: '0.05',
          amount: '36.50',
          cloudResource: { resourceType: 'vm', resourceId: 'vm-42' },
          origin: { workflowId, stepId: 'vm' },
        },
      ],
    });
    const open = await t.http().get('/v1/invoices').query({ status: 'draft', period, currency: 'EUR', minPosition: billedAt }).set(as);
    expect(open.body.items.map((i: { invoiceId: string }) => i.invoiceId)).toEqual([invoiceId]);

    // 3. The invoice is issued and paid by a payment naming it.
    await t.http().post(`/v1/invoices/${invoiceId}/issue`).set(as).send().expect(200);
    const payment = await t.http().post('/v1/payments').set(as).send({ amount: '36.50', currency: 'EUR', invoiceId });
    expect(payment.status).toBe(201);
    await sagasPassed(t, ['billing-invoice-payment'], payment.body.position);
    const paidAt = await lastPosition(t, `/v1/invoices/${invoiceId}`, as);
    expect((await t.http().get(`/v1/invoices/${invoiceId}`).query({ minPosition: paidAt }).set(as)).body).toMatchObject({
      status: 'paid',
      paid: '36.50',
      balance: '0.00',
    });

    // 4. The workflow goes on: resumed by the payment, its next step is actionable.
    await sagasPassed(t, ['workflow-resume-after-payment'], paidAt);
    const resumedAt = await lastPosition(t, `/v1/workflows/${workflowId}`, as);
    const wf = await t.http().get(`/v1/workflows/${workflowId}`).query({ minPosition: resumedAt }).set(as);
    expect(wf.body).toMatchObject({
      status: 'running',
      currentStepId: 'handover',
      resumedBy: [{ stepId: 'vm', invoiceId, paymentId: payment.body.paymentId }],
    });
    const handover = await t
      .http()
      .post(`/v1/workflows/${workflowId}/steps/handover/complete`)
      .set(as)
      .send({ output: { sentTo: 'ops@example.com' } });
    expect(handover.body).toMatchObject({ status: 'completed' });

    // 5. One correlation, one timeline across the three modules, each reaction caused by its saga's command.
    await refreshAll(t);
    const timeline = (await t.http().get(`/v1/correlations/${correlationId}/events`).set(as)).body.events as {
      eventId: string;
      eventType: string;
      aggregateType: string;
      correlationId: string;
      causationId: string;
      metadata: { source: string };
    }[];
    expect(timeline.map((e) => `${e.aggregateType}:${e.eventType}`)).toEqual([
      'Workflow:WorkflowStarted',
      'Workflow:WorkflowStepCompleted',
      'Invoice:InvoiceCreated',
      'Invoice:InvoiceLineAdded',
      'Invoice:InvoiceIssued',
      'Payment:PaymentProcessed',
      'Invoice:InvoicePaymentApplied',
      'Workflow:WorkflowResumed',
      'Workflow:WorkflowStepCompleted',
      'Workflow:WorkflowCompleted',
    ]);
    expect(timeline.every((e) => e.correlationId === correlationId)).toBe(true);
    expect(timeline.filter((e) => e.metadata.source === 'saga').map((e) => e.eventType)).toEqual([
      'InvoiceCreated',
      'InvoiceLineAdded',
      'InvoicePaymentApplied',
      'WorkflowResumed',
    ]);
    // Each saga's events name the event they react to as their cause: one causation tree across the modules.
    const [, provisioned, created, line, , paid, applied, resumed] = timeline;
    expect([created.causationId, line.causationId]).toEqual([provisioned.eventId, provisioned.eventId]);
    expect(applied.causationId).toBe(paid.eventId);
    expect(resumed.causationId).toBe(applied.eventId);
  });

  it('converges the lines of workflows completing at once on one open invoice', async () => {
    const ids = Array.from({ length: 4 }, () => `wf-${randomUUID()}`);
    const completions = await Promise.all(
      ids.map(async (workflowId) => {
        await t
          .http()
          .post('/v1/workflows')
          .set(writer)
          .send({ workflowId, steps: [{ id: 'db', name: 'DB', kind: 'provision-resource' }] })
          .expect(201);
        const r = await t
          .http()
          .post(`/v1/workflows/${workflowId}/steps/db/complete`)
          .set(writer)
          .send({ output: { resourceType: 'db', quantity: 1, unitPrice: '100', currency: 'CHF' } });
        expect(r.status).toBe(200);
        return r.body.position as number;
      }),
    );
    await sagasPassed(t, ['billing-provisioning'], Math.max(...completions));
    const history = await t.http().get(`/v1/workflows/${ids[0]}/history`).set(writer);
    const period = (history.body.history[1].timestamp as string).slice(0, 7);
    const invoiceId = `inv:${org}:${period}:CHF:1`;
    const invoice = await t.http().get(`/v1/invoices/${invoiceId}/replay`).set(writer);
    expect(invoice.body).toMatchObject({ status: 'draft', total: '400.00' });
    expect(invoice.body.lines.map((l: { origin: { workflowId: string } }) => l.origin.workflowId).sort()).toEqual([...ids].sort());
    const drafts = await t
      .http()
      .get('/v1/invoices')
      .query({ status: 'draft', currency: 'CHF', minPosition: await lastPosition(t, `/v1/invoices/${invoiceId}`, writer) })
      .set(writer);
    expect(drafts.body.items.map((i: { invoiceId: string }) => i.invoiceId)).toEqual([invoiceId]);
  });
});
