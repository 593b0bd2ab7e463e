import type { EventStore, ExpectedVersion, ReadScope, WriteContext } from '@gyroscops/event-store';
import { runCommandActor } from './command-workload';
import { classifyFailure, History, type AppendRecord } from './history';
import {
  AGGREGATE_TYPE,
  planAppends,
  streamName,
  type Actor,
  type AppendStep,
  type PlannedAppend,
  type ReadAllStep,
  type Workload,
} from './workload';

export const ADMIN: ReadScope = { organizationId: 'harness-ops', isAdmin: true };

export interface Instance {
  store: EventStore;
  /** Settles when the instance dies: its actors are abandoned there, their calls left without an answer. */
  died: Promise<void>;
}

const errorOf = (e: unknown) => ({ error: e instanceof Error ? e.message : String(e), code: (e as { code?: string })?.code });

/** Runs the workload's actors concurrently (each one's steps in order) and records every call and answer. */
export class WorkloadRunner {
  readonly history = new History();
  readonly planned: Map<AppendStep, PlannedAppend>;
  /** The exact expected version each append actually used, so a retry re-sends the same one. */
  private readonly usedExpected = new Map<number, ExpectedVersion>();

  constructor(
    private readonly w: Workload,
    private readonly tag: number,
    private readonly instances: Instance[],
  ) {
    this.planned = planAppends(w, tag);
  }

  async run(): Promise<void> {
    const stores = this.instances.map((i) => i.store);
    await Promise.all([
      ...this.w.actors.map((actor, a) => Promise.race([this.runActor(actor, a), this.instances[actor.instance].died])),
      ...(this.w.commandActors ?? []).map((actor, a) =>
        Promise.race([runCommandActor(actor, a, stores, this.tag, this.history), this.instances[actor.instance % stores.length].died]),
      ),
    ]);
  }

  private async runActor(actor: Actor, a: number): Promise<void> {
    const store = this.instances[actor.instance].store;
    const known = new Map<string, number>();
    let checkpoint = 0;
    for (const step of actor.steps) {
      if (step.kind === 'append') await this.append(store, this.planned.get(step) as PlannedAppend, known);
      else if (step.kind === 'readStream')
        await this.readStream(store, a, actor.instance, streamName(this.tag, step.stream % this.w.streams), known);
      else checkpoint = await this.readAll(store, a, actor.instance, step, checkpoint);
    }
  }

  private async expectedFor(store: EventStore, call: PlannedAppend, known: Map<string, number>): Promise<ExpectedVersion> {
    const { step } = call;
    if (call.retryOf !== undefined && this.usedExpected.has(call.retryOf)) return this.usedExpected.get(call.retryOf) as ExpectedVersion;
    if (step.expected !== 'exact') return step.expected;
    if (typeof step.exactFrom === 'number') return step.exactFrom;
    if (step.exactFrom === 'known') return known.get(call.aggregateId) ?? 0;
    return this.readStream(store, call.actor, call.instance, call.aggregateId, known);
  }

  private async append(store: EventStore, call: PlannedAppend, known: Map<string, number>): Promise<void> {
    const expectedVersion = await this.expectedFor(store, call, known);
    if (!this.usedExpected.has(call.op)) this.usedExpected.set(call.op, expectedVersion);
    const context: WriteContext = {
      correlationId: `harness-${call.op}`,
      causationId: null,
      userId: 'harness',
      organizationId: call.organizationId,
      source: 'harness',
      isAdmin: false,
    };
    const record: AppendRecord = this.history.add({
      type: 'append',
      call,
      expectedVersion,
      start: this.history.now(),
      end: Infinity,
      outcome: { kind: 'no-answer' },
    });
    try {
      const r = await store.appendToStream(call.aggregateId, call.events, { aggregateType: AGGREGATE_TYPE, expectedVersion, context });
      record.outcome = { kind: 'ack', fromVersion: r.fromVersion, version: r.version, position: r.position, events: r.events };
      known.set(call.aggregateId, Math.max(known.get(call.aggregateId) ?? 0, r.version));
    } catch (e) {
      record.outcome = classifyFailure(e);
    }
    record.end = this.history.now();
  }

  private async readStream(
    store: EventStore,
    actor: number,
    instance: number,
    aggregateId: string,
    known: Map<string, number>,
  ): Promise<number> {
    const start = this.history.now();
    try {
      const s = await store.readStream(aggregateId, ADMIN);
      this.history.add({
        type: 'readStream',
        actor,
        instance,
        aggregateId,
        start,
        end: this.history.now(),
        result: { version: s.version, events: s.events },
      });
      known.set(aggregateId, s.version);
      return s.version;
    } catch (e) {
      this.history.add({ type: 'readStream', actor, instance, aggregateId, start, end: this.history.now(), result: errorOf(e) });
      return 0;
    }
  }

  private async readAll(store: EventStore, actor: number, instance: number, step: ReadAllStep, checkpoint: number): Promise<number> {
    let after = checkpoint;
    if (step.from === 'anywhere') {
      const head = await store.headPosition().catch(() => 0);
      after = Math.floor(step.at * head);
    }
    const start = this.history.now();
    try {
      const page = await store.readAll({ after, maxCount: step.maxCount });
      this.history.add({ type: 'readAll', actor, instance, after, maxCount: step.maxCount, start, end: this.history.now(), result: page });
      return step.from === 'checkpoint' ? page.checkpoint : checkpoint;
    } catch (e) {
      this.history.add({
        type: 'readAll',
        actor,
        instance,
        after,
        maxCount: step.maxCount,
        start,
        end: this.history.now(),
        result: errorOf(e),
      });
      return checkpoint;
    }
  }
}
