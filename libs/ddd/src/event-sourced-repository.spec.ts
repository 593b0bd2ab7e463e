import { randomUUID } from 'node:crypto';
import type { RequestContext } from '@gyroscops/context';
import { InMemoryEventStore, type AppendResult, type EventStore } from '@gyroscops/event-store';
import { runAs, TEST_CALLER, TEST_SCOPE } from '@gyroscops/ddd/testing';
import { writeContextOf } from './context-scopes';
import type { Decider, DomainEvent } from './decider';
import { DomainError } from './domain-error';
import { EventSourcedRepository, FAIL_ON_CONFLICT, redecide, type ConflictPolicy, type ExecuteResult } from './event-sourced-repository';

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

type Processed = DomainEvent<'PaymentProcessed', { amount: number }>;
/** A payment processed once: a second ProcessPayment is refused (409), as the payment module's decider does. */
const payment: Decider<{ processed: boolean; amount: number }, { amount: number }, Processed> = {
  aggregateType: 'Payment',
  initialState: () => ({ processed: false, amount: 0 }),
  evolve: (_s, e) => ({ processed: true, amount: e.data.amount }),
  decide: (c, s) => {
    if (s.processed) throw new DomainError('PAYMENT.ALREADY_PROCESSED', 'payment already processed');
    return [{ type: 'PaymentProcessed', data: { amount: c.amount } }];
  },
};

/** `store` whose `method` first does its work, then waits for `between` before answering, the first time only. */
function pausedOnce(store: EventStore, method: keyof EventStore, between: () => Promise<unknown>): EventStore {
  let armed = true;
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const bound = (value as (...a: unknown[]) => Promise<unknown>).bind(target);
      if (prop !== method) return bound;
      return async (...args: unknown[]) => {
        if (!armed) return bound(...args);
        armed = false;
        const answer = await bound(...args).then(
          (v) => ({ ok: true as const, v }),
          (e: unknown) => ({ ok: false as const, e }),
        );
        await between();
        if (!answer.ok) throw answer.e;
        return answer.v;
      };
    },
  });
}

/** `store` whose `method` first waits for `before`, then does its work, the first time only. */
function delayedOnce(store: EventStore, method: keyof EventStore, before: () => Promise<unknown>): EventStore {
  let armed = true;
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const bound = (value as (...a: unknown[]) => Promise<unknown>).bind(target);
      if (prop !== method) return bound;
      return async (...args: unknown[]) => {
        if (armed) {
          armed = false;
          await before();
        }
        return bound(...args);
      };
    },
  });
}

describe('EventSourcedRepository: the same command id run twice', () => {
  const run = runAs();

  it('answers the stored result, not a domain refusal, when the first run commits between the retry check and its load', async () => {
    const store = new InMemoryEventStore();
    const commandId = randomUUID();
    const first = new EventSourcedRepository(store, payment);
    let firstRun: ExecuteResult<{ processed: boolean; amount: number }> | undefined;
    // The retry's "already applied?" read finds nothing; the first run then commits; then the retry loads.
    const retryStore = pausedOnce(store, 'getEvent', async () => {
      firstRun = await first.execute('pay-1', { amount: 10 }, { commandId, conflict: FAIL_ON_CONFLICT });
    });
    const retry = new EventSourcedRepository(retryStore, payment);
    const answer = await run(() => retry.execute('pay-1', { amount: 10 }, { commandId, conflict: FAIL_ON_CONFLICT }));
    expect(firstRun?.replayed).toBe(false);
    expect(answer).toMatchObject({ replayed: true, version: 1, state: { processed: true, amount: 10 } });
    expect(answer.result).toMatchObject({ fromVersion: 1, version: 1, position: firstRun?.result?.position });
    expect((await run(() => store.readStream('pay-1', TEST_SCOPE))).events).toHaveLength(1);
  });

  it('answers the stored result, not "nothing decided", when a decider that ignores a repeat sees the first run', async () => {
    const store = new InMemoryEventStore();
    const commandId = randomUUID();
    const ignoring: typeof payment = { ...payment, decide: (c, s) => (s.processed ? [] : payment.decide(c, s)) };
    const first = new EventSourcedRepository(store, ignoring);
    const retryStore = pausedOnce(store, 'getEvent', () =>
      first.execute('pay-3', { amount: 10 }, { commandId, conflict: FAIL_ON_CONFLICT }),
    );
    const retry = new EventSourcedRepository(retryStore, ignoring);
    const answer = await run(() => retry.execute('pay-3', { amount: 10 }, { commandId, conflict: FAIL_ON_CONFLICT }));
    expect(answer).toMatchObject({ replayed: true, version: 1, result: { fromVersion: 1, version: 1 } });
  });

  it('still refuses a different command the state refuses', async () => {
    const store = new InMemoryEventStore();
    const repo = new EventSourcedRepository(store, payment);
    await run(() => repo.execute('pay-2', { amount: 10 }, { commandId: randomUUID(), conflict: FAIL_ON_CONFLICT }));
    await expect(
      run(() => repo.execute('pay-2', { amount: 10 }, { commandId: randomUUID(), conflict: FAIL_ON_CONFLICT })),
    ).rejects.toMatchObject({ code: 'PAYMENT.ALREADY_PROCESSED' });
  });

  it('answers the stored events, not the ones it decided, when the store finds them already stored', async () => {
    const store = new InMemoryEventStore();
    const commandId = randomUUID();
    const first = new EventSourcedRepository(store, account);
    // The retry loads (nothing yet) and decides 7; the first run (which decided 5) commits before the retry's append.
    const retryStore = delayedOnce(store, 'appendToStream', () =>
      first.execute('acc-9', { amount: 5 }, { commandId, conflict: redecide() }),
    );
    const retry = new EventSourcedRepository(retryStore, account, { snapshotEvery: 1 });
    const answer = await run(() => retry.execute('acc-9', { amount: 7 }, { commandId, conflict: redecide() }));
    expect(answer).toMatchObject({ version: 1, state: { balance: 5 } });
    expect((await run(() => retry.load('acc-9'))).state).toEqual({ balance: 5 });
  });
});

describe('EventSourcedRepository with snapshots: the outcome is the one without them', () => {
  const run = runAs();
  const ADMIN: RequestContext = { ...TEST_CALLER, roles: ['admin'] };

  type Noted = DomainEvent<'Noted', { text: string }>;
  /** Another aggregate type, to find under an account's id. */
  const note: Decider<{ texts: string[] }, { text: string }, Noted> = {
    aggregateType: 'Note',
    initialState: () => ({ texts: [] }),
    evolve: (s, e) => ({ texts: [...s.texts, e.data.text] }),
    decide: (c) => [{ type: 'Noted', data: { text: c.text } }],
  };

  /** Three deposits of 1 on `id`, through a repository that snapshots every 2 versions. */
  async function threeDeposits(store: EventStore, id: string): Promise<void> {
    const repo = new EventSourcedRepository(store, account, { snapshotEvery: 2 });
    for (let i = 0; i < 3; i++) await run(() => repo.execute(id, { amount: 1 }, { commandId: randomUUID(), conflict: redecide() }));
    expect((await run(() => store.loadSnapshot(id, TEST_SCOPE)))?.version).toBe(2);
  }

  const outcome = <T>(p: Promise<T>) =>
    p.then(
      (value) => ({ value }),
      (e: unknown) => ({ error: { name: (e as Error).name, code: (e as { code?: string }).code } }),
    );

  it('a stream of another aggregate type: the same load and the same refusal', async () => {
    const store = new InMemoryEventStore();
    await threeDeposits(store, 'x-1');
    const plain = new EventSourcedRepository(store, note);
    const snapshotting = new EventSourcedRepository(store, note, { snapshotEvery: 2 });
    const expected = await outcome(run(() => plain.load('x-1')));
    expect(expected).toEqual({ value: { state: { texts: [] }, version: 0, lastEvent: undefined } });
    expect(await outcome(run(() => snapshotting.load('x-1')))).toEqual(expected);
    const command = () => ({ commandId: randomUUID(), conflict: redecide() });
    const refused = await outcome(run(() => plain.execute('x-1', { text: 'hi' }, command())));
    expect(refused).toHaveProperty('error');
    expect(await outcome(run(() => snapshotting.execute('x-1', { text: 'hi' }, command())))).toEqual(refused);
  });

  it('a soft-deleted stream: recreated by a command, its versions going on, its state folded from the new events alone', async () => {
    const store = new InMemoryEventStore();
    await threeDeposits(store, 'y-1');
    await store.deleteStream('y-1', { mode: 'soft', reason: 'test', context: writeContextOf(ADMIN) });
    const repo = new EventSourcedRepository(store, account, { snapshotEvery: 2 });
    expect(await run(() => repo.load('y-1'))).toEqual({ state: { balance: 0 }, version: 0, lastEvent: undefined });
    const recreated = await run(() => repo.execute('y-1', { amount: 5 }, { commandId: randomUUID(), conflict: FAIL_ON_CONFLICT }));
    expect(recreated).toMatchObject({ version: 4, state: { balance: 5 }, replayed: false });
    expect(await run(() => repo.load('y-1'))).toMatchObject({ version: 4, state: { balance: 5 } });
  });

  it('a soft-deleted stream recreated elsewhere: the old snapshot is not folded with the new events', async () => {
    const store = new InMemoryEventStore();
    await threeDeposits(store, 'y-2');
    await store.deleteStream('y-2', { mode: 'soft', reason: 'test', context: writeContextOf(ADMIN) });
    // Recreated by a writer that takes no snapshot (another service version, the events API).
    const plain = new EventSourcedRepository(store, account);
    await run(() => plain.execute('y-2', { amount: 5 }, { commandId: randomUUID(), conflict: FAIL_ON_CONFLICT }));
    const snapshotting = new EventSourcedRepository(store, account, { snapshotEvery: 2 });
    expect(await run(() => snapshotting.load('y-2'))).toEqual(await run(() => plain.load('y-2')));
    expect((await run(() => snapshotting.load('y-2'))).state).toEqual({ balance: 5 });
  });
});
