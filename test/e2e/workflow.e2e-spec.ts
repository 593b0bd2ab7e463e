import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/e2e-app';

describe('Workflow module over HTTP', () => {
  let t: TestApp;
  let writer: { Authorization: string };
  let reader: { Authorization: string };
  beforeAll(async () => {
    t = await startTestApp('workflow');
    writer = t.auth('org-wf', ['writer', 'reader']);
    reader = t.auth('org-wf', ['reader']);
  });
  afterAll(async () => t.close());

  const steps = [
    { id: 'plan', name: 'Plan', kind: 'manual' },
    { id: 'configure', name: 'Configure', kind: 'configure' },
    { id: 'notify', name: 'Notify', kind: 'notification' },
  ];
  const start = (body: object, headers: Record<string, string> = {}) => t.http().post('/v1/workflows').set(writer).set(headers).send(body);
  const act = (id: string, path: string, body: object = {}) => t.http().post(`/v1/workflows/${id}/${path}`).set(writer).send(body);
  const newWorkflow = async (s: object[] = steps) => {
    const workflowId = `wf-${randomUUID()}`;
    const r = await start({ workflowId, name: 'Onboarding', steps: s });
    expect(r.status).toBe(201);
    return { workflowId, position: r.body.position as number };
  };

  describe('a workflow run', () => {
    it('goes step by step, refuses impossible transitions, retries a failure, and completes', async () => {
      const { workflowId } = await newWorkflow();
      const outOfOrder = await act(workflowId, 'steps/configure/complete', { output: {} });
      expect(outOfOrder.status).toBe(409);
      expect(outOfOrder.body).toMatchObject({
        error: 'WORKFLOW.STEP_OUT_OF_ORDER',
        details: { stepId: 'configure', currentStepId: 'plan' },
      });

      const plan = await act(workflowId, 'steps/plan/complete', { output: { approvedBy: 'carol' } });
      expect(plan.status).toBe(200);
      expect(plan.body).toMatchObject({ workflowId, status: 'running', currentStepId: 'configure', version: 2 });
      expect((await act(workflowId, 'steps/plan/complete', { output: {} })).body).toMatchObject({
        error: 'WORKFLOW.STEP_ALREADY_COMPLETED',
      });

      const failed = await act(workflowId, 'steps/configure/fail', { error: { message: 'timeout', code: 'T1' } });
      expect(failed.body).toMatchObject({ status: 'failed', currentStepId: null });
      expect((await act(workflowId, 'steps/configure/complete', { output: {} })).body).toMatchObject({ error: 'WORKFLOW.STEP_FAILED' });
      expect((await act(workflowId, 'steps/plan/retry')).body).toMatchObject({ error: 'WORKFLOW.STEP_NOT_FAILED' });
      const retried = await act(workflowId, 'steps/configure/retry');
      expect(retried.body).toMatchObject({ status: 'running', currentStepId: 'configure' });
      await act(workflowId, 'steps/configure/complete', { output: { ok: true } }).expect(200);
      const last = await act(workflowId, 'steps/notify/complete', { output: {} });
      expect(last.body).toMatchObject({ status: 'completed', currentStepId: null });
      expect((await act(workflowId, 'cancel')).body).toMatchObject({ error: 'WORKFLOW.COMPLETED' });

      const view = await t.http().get(`/v1/workflows/${workflowId}`).query({ minPosition: last.body.position }).set(reader);
      expect(view.status).toBe(200);
      expect(view.body).toMatchObject({
        workflowId,
        name: 'Onboarding',
        status: 'completed',
        organizationId: 'org-wf',
        steps: [
          { id: 'plan', status: 'completed', attempt: 1, output: { approvedBy: 'carol' } },
          { id: 'configure', status: 'completed', attempt: 2, output: { ok: true } },
          { id: 'notify', status: 'completed' },
        ],
      });

      const h = await t.http().get(`/v1/workflows/${workflowId}/history`).set(reader);
      const history = h.body.history as { eventType: string; data: Record<string, unknown> }[];
      expect(history.map((e) => e.eventType)).toEqual([
        'WorkflowStarted',
        'WorkflowStepCompleted',
        'WorkflowStepFailed',
        'WorkflowStepRetried',
        'WorkflowStepCompleted',
        'WorkflowStepCompleted',
        'WorkflowCompleted',
      ]);
      for (const e of history.filter((x) => /Step(Completed|Failed)$/.test(x.eventType))) {
        expect(e.data).toMatchObject({ stepKind: expect.any(String), durationMs: expect.any(Number) });
        expect(e.data.durationMs).toBeGreaterThanOrEqual(0);
      }
      expect(history[2].data).toMatchObject({ stepKind: 'configure', error: { message: 'timeout', code: 'T1' }, attempt: 1 });

      const v3 = await t.http().get(`/v1/workflows/${workflowId}/replay`).query({ version: 3 }).set(reader);
      expect(v3.body).toMatchObject({ status: 'failed', currentStepId: 'configure', version: 3 });
      expect((await t.http().get(`/v1/workflows/${workflowId}/replay`).query({ at: '2000-01-01T00:00:00Z' }).set(reader)).status).toBe(404);
    });

    it('cancels, then refuses every command with WORKFLOW.CANCELLED', async () => {
      const { workflowId } = await newWorkflow();
      const c = await act(workflowId, 'cancel', { reason: 'customer left' });
      expect(c.body).toMatchObject({ status: 'cancelled' });
      for (const r of [
        await act(workflowId, 'steps/plan/complete', { output: {} }),
        await act(workflowId, 'steps/plan/fail', { error: { message: 'x' } }),
        await act(workflowId, 'cancel'),
      ]) {
        expect(r.status).toBe(409);
        expect(r.body.error).toBe('WORKFLOW.CANCELLED');
      }
    });

    it('answers 404 for unknown workflows and steps', async () => {
      expect((await act('wf-unknown', 'steps/plan/complete', { output: {} })).body).toMatchObject({ error: 'WORKFLOW.NOT_FOUND' });
      expect((await t.http().get('/v1/workflows/wf-unknown').set(reader)).status).toBe(404);
      const { workflowId } = await newWorkflow();
      const r = await act(workflowId, 'steps/nope/complete', { output: {} });
      expect(r.status).toBe(404);
      expect(r.body.error).toBe('WORKFLOW.STEP_NOT_FOUND');
    });
  });

  describe('a provision-resource step', () => {
    it('waits for its invoice to be paid: the next step is not actionable', async () => {
      const { workflowId } = await newWorkflow([
        { id: 'vm', name: 'VM', kind: 'provision-resource' },
        { id: 'notify', name: 'Notify', kind: 'notification' },
      ]);
      const bad = await act(workflowId, 'steps/vm/complete', {
        output: { resourceType: 'vm', quantity: 1, unitPrice: '1.001', currency: 'EUR' },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toBe('WORKFLOW.INVALID_OUTPUT');
      const done = await act(workflowId, 'steps/vm/complete', {
        output: { resourceType: 'vm', quantity: 1, unitPrice: '1.00', currency: 'EUR' },
      });
      expect(done.body).toMatchObject({ status: 'awaiting_payment', currentStepId: null });
      expect((await act(workflowId, 'steps/notify/complete', { output: {} })).body).toMatchObject({ error: 'WORKFLOW.AWAITING_PAYMENT' });
    });
  });

  describe('the list of the organization’s workflows', () => {
    it('filters by status, newest first', async () => {
      const a = await newWorkflow();
      const b = await newWorkflow();
      const c = await act(b.workflowId, 'cancel');
      const all = await t.http().get('/v1/workflows').query({ minPosition: c.body.position, size: 1000 }).set(reader);
      const ids = all.body.items.map((x: { workflowId: string }) => x.workflowId);
      expect(ids.indexOf(b.workflowId)).toBeLessThan(ids.indexOf(a.workflowId));
      const cancelled = await t
        .http()
        .get('/v1/workflows')
        .query({ status: 'cancelled', minPosition: c.body.position, size: 1000 })
        .set(reader);
      expect(cancelled.body.items.map((x: { workflowId: string }) => x.workflowId)).toContain(b.workflowId);
      expect(cancelled.body.items.map((x: { workflowId: string }) => x.workflowId)).not.toContain(a.workflowId);
      expect(cancelled.body.items[0]).not.toHaveProperty('steps');
    });
  });

  describe('idempotency, isolation and bad input', () => {
    it('answers a repeated start with the same Idempotency-Key with the first response', async () => {
      const key = randomUUID();
      const first = await start({ steps }, { 'Idempotency-Key': key });
      const again = await start({ steps }, { 'Idempotency-Key': key });
      expect(again.body).toEqual(first.body);
    });

    it('hides a workflow from another organization', async () => {
      const { workflowId } = await newWorkflow();
      const other = t.auth('org-other', ['writer', 'reader']);
      expect((await t.http().get(`/v1/workflows/${workflowId}/history`).set(other)).status).toBe(404);
      expect((await t.http().post(`/v1/workflows/${workflowId}/cancel`).set(other).send({})).status).toBe(404);
    });

    it.each([
      ['no steps', { steps: [] }],
      ['a step without kind', { steps: [{ id: 'a', name: 'A' }] }],
      ['twice the same step id', { steps: [steps[0], steps[0]] }],
      ['an unexpected field', { steps, hacker: true }],
    ])('answers 400 to a start with %s', async (_label, body) => {
      const r = await start(body);
      expect(r.status).toBe(400);
      expect(r.body.details).toBeDefined();
    });

    it('answers 400 to a completion without an output object and to a failure without a message', async () => {
      const { workflowId } = await newWorkflow();
      expect((await act(workflowId, 'steps/plan/complete', { output: 'done' })).status).toBe(400);
      expect((await act(workflowId, 'steps/plan/fail', { error: { code: 'E' } })).status).toBe(400);
    });
  });
});
