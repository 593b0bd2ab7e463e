import { randomUUID } from 'node:crypto';
import { FailStepCommand } from '../fail-step/fail-step.command';
import { FailStepHandler } from '../fail-step/fail-step.handler';
import { RetryStepCommand } from './retry-step.command';
import { RetryStepHandler } from './retry-step.handler';
import { setup } from '../../testing/workflow-handler-harness';

describe('RetryStepHandler against the in-memory store', () => {
  it('retries a failed step once: concurrent retries of one failure give one new attempt', async () => {
    const { run, repo, clock, tick, start, events } = setup();
    await start('wf-1');
    await run(() => new FailStepHandler(repo, clock).execute(new FailStepCommand(randomUUID(), 'wf-1', 'plan', 'boom')));
    tick(1000);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 3 }, () =>
        run(() => new RetryStepHandler(repo, clock).execute(new RetryStepCommand(randomUUID(), 'wf-1', 'plan'))),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'WORKFLOW.STEP_NOT_FAILED' });
    expect((await events('wf-1')).at(-1)?.eventData).toMatchObject({ attempt: 2, durationMs: 1000, status: 'running' });
  });
});
