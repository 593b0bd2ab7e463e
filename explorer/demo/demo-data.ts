/**
 * Demonstration data for the explorer, written through the service's own HTTP API (so every event carries a real
 * caller, organization and correlation): the saga chain workflow → billing → payment → workflow under one
 * correlation id, payments with refunds in two currencies, a workflow whose step fails and is retried, one that is
 * cancelled, and an invoice issued then voided. Used by `npm run explorer:demo` and by the browser tests.
 */

export interface DemoTarget {
  /** Base URL of the service, e.g. http://127.0.0.1:3000. */
  baseUrl: string;
  /** A writer's (and reader's) token of the organization to fill. */
  token: string;
  /** Prefix of every id created, so several runs and organizations never collide. */
  tag: string;
}

export interface DemoData {
  correlationId: string;
  workflowId: string;
  invoiceId: string;
  chainPaymentId: string;
  paymentIds: string[];
  refundedPaymentId: string;
  failedWorkflowId: string;
  voidedInvoiceId: string;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function createDemoData(t: DemoTarget): Promise<DemoData> {
  const call = async <T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> => {
    const res = await fetch(`${t.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${t.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  };
  const tag = t.tag;

  // 1. The saga chain under one correlation id.
  const correlationId = `${tag}-chain`;
  const as = { 'x-correlation-id': correlationId };
  const workflowId = `${tag}-wf-provision`;
  await call(
    'POST',
    '/v1/workflows',
    {
      workflowId,
      name: 'Provision a VM',
      steps: [
        { id: 'vm', name: 'Provision the VM', kind: 'provision-resource' },
        { id: 'handover', name: 'Hand over', kind: 'notification' },
      ],
    },
    as,
  );
  await call(
    'POST',
    `/v1/workflows/${workflowId}/steps/vm/complete`,
    {
      output: { resourceType: 'vm', resourceId: `${tag}-vm-42`, quantity: '730', unitPrice: '0.05', currency: 'EUR' },
    },
    as,
  );
  const line = await waitFor(async () => {
    const r = await call<{ events: { eventType: string; aggregateId: string }[] }>(
      'GET',
      `/v1/correlations/${correlationId}/events`,
      undefined,
      as,
    );
    return r.events.find((e) => e.eventType === 'InvoiceLineAdded');
  }, 'the billing saga to bill the provisioned VM');
  const invoiceId = line.aggregateId;
  await call('POST', `/v1/invoices/${invoiceId}/issue`, undefined, as);
  const invoice = await call<{ total: string; currency: string }>('GET', `/v1/invoices/${invoiceId}/replay`);
  const chainPayment = await call<{ paymentId: string }>(
    'POST',
    '/v1/payments',
    { paymentId: `${tag}-pay-invoice`, amount: invoice.total, currency: 'EUR', invoiceId },
    as,
  );
  await waitFor(async () => {
    const r = await call<{ events: { eventType: string }[] }>('GET', `/v1/correlations/${correlationId}/events`, undefined, as);
    return r.events.some((e) => e.eventType === 'WorkflowResumed') || undefined;
  }, 'the payment to resume the workflow');
  await call('POST', `/v1/workflows/${workflowId}/steps/handover/complete`, { output: { sentTo: 'ops@example.com' } }, as);

  // 2. Payments in two currencies, some refunded.
  const paymentIds: string[] = [];
  const amounts: [string, string][] = [
    ['120.00', 'EUR'],
    ['75.50', 'EUR'],
    ['310.00', 'USD'],
    ['42.00', 'USD'],
    ['19.99', 'EUR'],
  ];
  for (const [i, [amount, currency]] of amounts.entries()) {
    const p = await call<{ paymentId: string }>('POST', '/v1/payments', {
      paymentId: `${tag}-pay-${i + 1}`,
      amount,
      currency,
      description: `Demo payment ${i + 1}`,
    });
    paymentIds.push(p.paymentId);
  }
  const refundedPaymentId = paymentIds[0];
  await call('POST', `/v1/payments/${refundedPaymentId}/refunds`, { amount: '20.00', reason: 'partial refund: one seat cancelled' });
  await call('POST', `/v1/payments/${refundedPaymentId}/refunds`, { amount: '30.00', reason: 'goodwill' });
  await call('POST', `/v1/payments/${paymentIds[3]}/refunds`, { amount: '42.00', reason: 'duplicate charge' });

  // 3. A workflow whose step fails, is retried and completes; another cancelled after a failure.
  const failedWorkflowId = `${tag}-wf-deploy`;
  await call('POST', '/v1/workflows', {
    workflowId: failedWorkflowId,
    name: 'Deploy the application',
    steps: [
      { id: 'build', name: 'Build', kind: 'build' },
      { id: 'deploy', name: 'Deploy', kind: 'deploy' },
      { id: 'notify', name: 'Notify', kind: 'notification' },
    ],
  });
  await call('POST', `/v1/workflows/${failedWorkflowId}/steps/build/complete`, { output: { image: 'app:1.4.2' } });
  await call('POST', `/v1/workflows/${failedWorkflowId}/steps/deploy/fail`, {
    error: { message: 'health check timed out', code: 'TIMEOUT' },
  });
  await call('POST', `/v1/workflows/${failedWorkflowId}/steps/deploy/retry`);
  await call('POST', `/v1/workflows/${failedWorkflowId}/steps/deploy/complete`, { output: { replicas: 3 } });
  await call('POST', `/v1/workflows/${failedWorkflowId}/steps/notify/complete`, { output: { sentTo: 'team@example.com' } });
  const cancelled = `${tag}-wf-migrate`;
  await call('POST', '/v1/workflows', {
    workflowId: cancelled,
    name: 'Migrate the database',
    steps: [
      { id: 'backup', name: 'Back up', kind: 'build' },
      { id: 'migrate', name: 'Migrate', kind: 'deploy' },
    ],
  });
  await call('POST', `/v1/workflows/${cancelled}/steps/backup/fail`, { error: { message: 'disk full' } });
  await call('POST', `/v1/workflows/${cancelled}/cancel`, { reason: 'postponed' });

  // 4. An invoice issued, then voided.
  const voidedInvoiceId = `${tag}-inv-void`;
  const period = new Date().toISOString().slice(0, 7);
  await call('POST', '/v1/invoices', { invoiceId: voidedInvoiceId, period, currency: 'USD' });
  await call('POST', `/v1/invoices/${voidedInvoiceId}/lines`, { description: 'Support plan', quantity: '1', unitPrice: '99.00' });
  await call('POST', `/v1/invoices/${voidedInvoiceId}/lines`, { description: 'Storage (GB-month)', quantity: '250', unitPrice: '0.02' });
  await call('POST', `/v1/invoices/${voidedInvoiceId}/issue`);
  await call('POST', `/v1/invoices/${voidedInvoiceId}/void`, { reason: 'issued to the wrong entity' });

  return {
    correlationId,
    workflowId,
    invoiceId,
    chainPaymentId: chainPayment.paymentId,
    paymentIds,
    refundedPaymentId,
    failedWorkflowId,
    voidedInvoiceId,
  };
}

/** Polls `probe` (searches are near-real-time, sagas asynchronous) until it gives a value; 30 s at most. */
async function waitFor<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await pause(100);
  }
  throw new Error(`Timed out waiting for ${what}`);
}
