import { RequestContextStore, type RequestContext } from '@gyroscops/context';
import { EventSourcedRepository, redecide, type Decider } from '@gyroscops/ddd';
import type { EventStore } from '@gyroscops/event-store';
import type { History } from './history';
import { ORGS } from './workload';

/**
 * Commands through libs/ddd's repository, whose event ids derive from the command id: the same command executed on
 * two instances (an Idempotency-Key retry reaching another instance, a saga redelivered) must apply once.
 */
export interface CommandCall {
  /** Which of a few shared command ids: equal numbers are the same command, sent again. */
  command: number;
  stream: number;
  amount: number;
}

export interface CommandActor {
  instance: number;
  commands: CommandCall[];
}

interface Deposited {
  type: 'Deposited';
  data: { amount: number };
}

const counter: Decider<{ balance: number }, { amount: number }, Deposited> = {
  aggregateType: 'HarnessCounter',
  initialState: () => ({ balance: 0 }),
  evolve: (s, e) => ({ balance: s.balance + e.data.amount }),
  decide: (c) => [{ type: 'Deposited', data: { amount: c.amount } }],
};

export const counterStream = (tag: number, i: number) => `h-${(tag >>> 0).toString(16).padStart(8, '0')}-c${i}`;
export const commandIdOf = (tag: number, n: number) => `harness-${tag >>> 0}-command-${n}`;

export interface CommandRecord {
  type: 'command';
  actor: number;
  instance: number;
  aggregateId: string;
  commandId: string;
  start: number;
  end: number;
  /** Ids of the events the repository answered with (applied now, or replayed); or the error's code. */
  outcome: { kind: 'applied' | 'replayed'; eventIds: string[] } | { kind: 'failed'; code: string; message: string } | { kind: 'no-answer' };
}

const context = (n: number): RequestContext => ({
  correlationId: `harness-command-${n}`,
  causationId: null,
  userId: 'harness',
  organizationId: ORGS[0],
  roles: ['writer'],
  source: 'harness',
});

/** Runs one actor's commands in order on its instance's store, recording each. */
export async function runCommandActor(actor: CommandActor, a: number, stores: EventStore[], tag: number, history: History): Promise<void> {
  const instance = actor.instance % stores.length;
  const repository = new EventSourcedRepository(stores[instance], counter);
  for (const c of actor.commands) {
    const aggregateId = counterStream(tag, c.stream);
    const commandId = commandIdOf(tag, c.command);
    const record: CommandRecord = {
      type: 'command',
      actor: a,
      instance,
      aggregateId,
      commandId,
      start: history.now(),
      end: Infinity,
      outcome: { kind: 'no-answer' },
    };
    history.add(record);
    try {
      const r = await RequestContextStore.run(context(c.command), () =>
        repository.execute(aggregateId, { amount: c.amount }, { commandId, conflict: redecide() }),
      );
      record.outcome = { kind: r.replayed ? 'replayed' : 'applied', eventIds: (r.result?.events ?? []).map((e) => e.eventId) };
    } catch (e) {
      record.outcome = {
        kind: 'failed',
        code: String((e as { code?: unknown })?.code ?? (e as Error)?.name),
        message: (e as Error)?.message ?? String(e),
      };
    }
    record.end = history.now();
  }
}
