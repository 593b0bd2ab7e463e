import { randomUUID } from 'node:crypto';
import { FailStepCommand } from './fail-step.command';
import { FailStepHandler } from './fail-step.handler';
import { setup } from '../../testing/workflow-handler-harness';

describe('FailStepHandler against the in-memory store', () => {
  it('records the failure with its duration, then refuses another with WORKFLOW.STEP_FAILED', async () => {
    const { run, repo, clock, tick, start, events } = setup();
    await start('wf-1');
    tick(42);
    await run(() =>
      new FailStepHandler(repo, clock).execute(
        new FailStepCommand(randomUUID(), 'wf-1', 'plan', { message: 'quota exceeded', code: 'Q1' }),
      ),
    );
    expect((await events('wf-1'))[1].eventData).toMatchObject({
      stepKind: 'manual',
      durationMs: 42,
      error: { message: 'quota exceeded', code: 'Q1' },
      status: 'failed',
    });
    await expect(
      run(() => new FailStepHandler(repo, clock).execute(new FailStepCommand(randomUUID(), 'wf-1', 'plan', 'again'))),
    ).rejects.toMatchObject({
      code: 'WORKFLOW.STEP_FAILED',
    });
  });
});
