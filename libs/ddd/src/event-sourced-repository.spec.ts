import { randomUUID } from 'node:crypto';
import { InMemoryEventStore, type AppendResult } from '@gyroscops/event-store';
import { runAs } from '@gyroscops/ddd/testing';
import type { Decider, DomainEvent } from './decider';
import { EventSourcedRepository, FAIL_ON_CONFLICT, redecide, type ConflictPolicy } from './event-sourced-repository';

type Deposited = DomainEvent<'Deposited', { amount: number }>;
/** An account that takes any deposit but a zero one, which it ignores (decides nothing). */
const account: Decider<{ balance: number }, { amount: number }, Deposited> = {
  aggregateType: 'Account',
  initialState: () => ({ balance: 0 }),
  evolve: (s, e) => ({ balance: s.balance + e.data.amount }),
  decide: (c) => (c.amount === 0 ? [] : [{ type: 'Deposited', data: { amount: c.amount } }]),
};

describe('EventSourcedRepository against the in-memory store', () => {
  const run = runAs();

  describe('after a commit', () => {
    it('calls the after-commit hook once with the append, and not for a repeated command or one that decided nothing', async () => {
      const committed: AppendResult[] = [];
      const repo = new EventSourcedRepository(new InMemoryEventStore(), account, { afterCommit: (r) => committed.push(r) });
      const commandId = randomUUID();
      const first = await run(() => repo.execute('acc-1', { amount: 5 }, { commandId, conflict: redecide() }));
      await run(() => repo.execute('acc-1', { amount: 5 }, { commandId, conflict: redecide() }));
      await run(() => repo.execute('acc-1', { amount: 0 }, { commandId: randomUUID(), conflict: redecide() }));
      expect(committed).toEqual([first.result]);
    });

    it('keeps the append when the hook throws', async () => {
      const repo = new EventSourcedRepository(new InMemoryEventStore(), account, {
        afterCommit: () => {
          throw new Error('listener failed');
        },
      });
      const r = await run(() => repo.execute('acc-2', { amount: 5 }, { commandId: randomUUID(), conflict: redecide() }));
      expect(r.version).toBe(1);
    });
  });

  describe('when concurrent commands conflict', () => {
    /** Three deposits at once on a new stream, under `conflict`. */
    const race = (repo: EventSourcedRepository<{ balance: number }, { amount: number }, Deposited>, id: string, conflict: ConflictPolicy) =>
      Promise.allSettled([1, 2, 3].map((amount) => run(() => repo.execute(id, { amount }, { commandId: randomUUID(), conflict }))));

    it('decides again on the newer state under redecide: every command lands', async () => {
      const repo = new EventSourcedRepository(new InMemoryEventStore(), account);
      const outcomes = await race(repo, 'acc-3', redecide());
      expect(outcomes.every((o) => o.status === 'fulfilled')).toBe(true);
      expect((await run(() => repo.load('acc-3'))).state.balance).toBe(6);
    });

    it('answers CONCURRENCY.CONFLICT at once under FAIL_ON_CONFLICT', async () => {
      const repo = new EventSourcedRepository(new InMemoryEventStore(), account);
      const outcomes = await race(repo, 'acc-4', FAIL_ON_CONFLICT);
      const refused = outcomes.filter((o) => o.status === 'rejected');
      expect(refused.length).toBeGreaterThan(0);
      for (const o of refused) expect(o.reason).toMatchObject({ code: 'CONCURRENCY.CONFLICT' });
    });
  });
});
