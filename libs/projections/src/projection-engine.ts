import { randomUUID } from 'node:crypto';
import { sleep } from '@gyroscops/event-store/elasticsearch';
import type { EventStore } from '@gyroscops/event-store';
import { initialState, stateDocId, type ConsumerKind, type ConsumerStateDoc } from './consumer-state';
import { CheckpointWatch } from './checkpoint-watch';
import type { ConsumerRunner } from './consumer-runner';
import { HeadPoller } from './head-poller';
import { ProjectionFailedError, ProjectionNotFoundError, ProjectionStaleError, RebuildFailedError } from './projection.errors';
import { ParkedEventNotFoundError, SagaNotFoundError } from './consumer-group.errors';
import type { ProjectionDefinition, SagaDefinition } from './projection.definition';
import { ProjectionRegistry } from './projection.registry';
import { ProjectionRunner } from './projection-runner';
import { ReadModelIndices } from './read-model-index';
import { rebuildProgressOf, toStatus, type ProjectionStatus, type RebuildProgress, type SagaParked } from './projection-status';
import { ReadModels } from './read-models';
import { newInstanceId, silentLogger, type ProjectionFaults, type RunnerEnv, type RunnerHostOptions } from './runner-env';
import { SagaRunner } from './saga-runner';
import { StateStore } from './state-store';
import { resolveTimings, type ProjectionTimings } from './timings';

export interface ProjectionEngineOptions extends RunnerHostOptions {
  registry?: ProjectionRegistry;
  /** Tests only. */
  faults?: ProjectionFaults;
}

export interface RebuildOptions {
  onProgress?(progress: RebuildProgress): void;
  /** Stop following (the rebuild itself goes on) when aborted. */
  signal?: AbortSignal;
}

/**
 * Runs the registered projections and sagas of this process (each only while it holds its lease), and
 * answers status, waitForPosition and rebuild requests for all of them, wherever they run.
 */
export class ProjectionEngine {
  readonly registry: ProjectionRegistry;
  readonly instanceId: string;
  readonly timings: ProjectionTimings;
  readonly readModels: ReadModels;
  private readonly store: EventStore;
  private readonly states: StateStore;
  private readonly env: RunnerEnv;
  private readonly runners = new Map<string, ConsumerRunner>();
  private readonly checkpoints: CheckpointWatch;
  private readonly head: HeadPoller;
  private autoRun = false;
  private closed = false;
  private unsubscribe: (() => void) | null = null;

  constructor(options: ProjectionEngineOptions) {
    this.registry = options.registry ?? new ProjectionRegistry();
    this.instanceId = options.instanceId ?? newInstanceId();
    this.timings = resolveTimings(options.timings);
    this.store = options.store;
    this.states = new StateStore(options.client, options.indexPrefix, options.numberOfReplicas ?? 0);
    this.checkpoints = new CheckpointWatch(this.states);
    const indices = new ReadModelIndices(options.client, options.indexPrefix, options.numberOfReplicas ?? 0, options.faults?.bulk);
    this.env = {
      store: options.store,
      states: this.states,
      indices,
      timings: this.timings,
      owner: this.instanceId,
      logger: options.logger ?? silentLogger,
      faults: options.faults ?? {},
      onCheckpoint: (kind, name, checkpoint) => this.recordCheckpoint(kind, name, checkpoint),
    };
    this.head = new HeadPoller(options.store, () => this.runners.values(), this.env.logger, '');
    this.readModels = new ReadModels(options.client, options.indexPrefix, this);
  }

  register<D extends object>(def: ProjectionDefinition<D>): void {
    this.registry.register(def);
  }

  registerSaga(def: SagaDefinition): void {
    this.registry.registerSaga(def);
  }

  /** Starts runners for everything registered (and for later registrations); each works only while it holds its lease. */
  start(): void {
    if (this.closed || this.autoRun) return;
    this.autoRun = true;
    for (const def of this.registry.projections()) this.startRunner('projection', def.name);
    for (const def of this.registry.sagas()) this.startRunner('saga', def.name);
    this.unsubscribe = this.registry.onRegistered((r) => this.startRunner(r.kind, r.def.name));
  }

  /** Starts the runner of one projection or saga only (command-line tools). */
  startRunner(kind: ConsumerKind, name: string): void {
    if (this.closed) return;
    const id = stateDocId(kind, name);
    if (this.runners.has(id)) return;
    let runner: ConsumerRunner;
    if (kind === 'projection') {
      const def = this.registry.projection(name);
      if (!def) throw new ProjectionNotFoundError(name);
      runner = new ProjectionRunner(this.env, def);
    } else {
      const def = this.registry.saga(name);
      if (!def) throw new ProjectionNotFoundError(name);
      runner = new SagaRunner(this.env, def);
    }
    this.runners.set(id, runner);
    runner.start();
    if (!this.closed) this.head.start(this.timings.pollIntervalMs);
  }

  /** Wakes the runners this instance holds: call it after appending (the in-process bus does it too). */
  notify(_position?: number): void {
    for (const r of this.runners.values()) if (r.isActive()) r.wake();
  }

  /** Stops every runner after its current step and releases the leases (shutdown). */
  async stop(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    this.head.stop();
    await Promise.all([...this.runners.values()].map((r) => r.stop().catch(() => undefined)));
    this.runners.clear();
  }

  /** Stops dead without releasing anything, as a crashed process would (tests). */
  kill(): void {
    this.closed = true;
    this.unsubscribe?.();
    this.head.stop();
    for (const r of this.runners.values()) r.kill();
    this.runners.clear();
  }

  /** Whether this instance currently holds the lease of a projection or saga. */
  isActive(kind: ConsumerKind, name: string): boolean {
    return this.runners.get(stateDocId(kind, name))?.isActive() ?? false;
  }

  async status(): Promise<ProjectionStatus[]> {
    const entries: { kind: ConsumerKind; name: string; version: number }[] = [
      ...this.registry.projections().map((p) => ({ kind: 'projection' as const, name: p.name, version: p.version })),
      ...this.registry.sagas().map((s) => ({ kind: 'saga' as const, name: s.name, version: 1 })),
    ];
    const [docs, head] = await Promise.all([
      this.states.mget(entries.map((e) => stateDocId(e.kind, e.name))),
      this.store.headPosition().catch(() => null),
    ]);
    const now = Date.now();
    return entries.map((e) => {
      const doc = docs.get(stateDocId(e.kind, e.name)) ?? initialState(e.kind, e.name, e.version);
      if (e.kind === 'projection') this.recordCheckpoint(e.kind, e.name, doc.checkpoint);
      return toStatus(doc, head, now);
    });
  }

  async statusOf(name: string, kind: ConsumerKind = 'projection'): Promise<ProjectionStatus> {
    const known = kind === 'projection' ? this.registry.projection(name) : this.registry.saga(name);
    if (!known) throw new ProjectionNotFoundError(name);
    const [doc, head] = await Promise.all([this.states.get(stateDocId(kind, name)), this.store.headPosition().catch(() => null)]);
    return toStatus(
      doc?.doc ?? initialState(kind, name, kind === 'projection' ? (known as ProjectionDefinition<object>).version : 1),
      head,
      Date.now(),
    );
  }

  /** The parked events of a saga (most recent first), how many were parked in all, and which are waiting to be replayed. */
  async sagaParked(name: string): Promise<SagaParked> {
    if (!this.registry.saga(name)) throw new SagaNotFoundError(name);
    const doc = (await this.states.get(stateDocId('saga', name)))?.doc;
    return {
      saga: name,
      parked: [...(doc?.parked ?? [])].reverse(),
      parkedCount: doc?.parkedCount ?? 0,
      replayRequested: doc?.parkedReplays ?? [],
    };
  }

  /**
   * Asks for a parked event of a saga to be handled again. The instance holding the saga does it at its next step
   * (at once when it is this one): handled → it leaves the parked list; failing again → parked again.
   */
  async replaySagaParked(name: string, eventId: string): Promise<void> {
    await this.changeSagaParked(name, eventId, (d) =>
      d.parkedReplays.includes(eventId) ? null : { ...d, parkedReplays: [...d.parkedReplays, eventId] },
    );
    this.runners.get(stateDocId('saga', name))?.poke();
  }

  /**
   * Gives up on a parked event of a saga: it leaves the parked list without being handled. The room it makes lets a
   * saga waiting on a full parked list park the event it waits on, so the holder here is told at once.
   */
  async skipSagaParked(name: string, eventId: string): Promise<void> {
    await this.changeSagaParked(name, eventId, (d) => ({
      ...d,
      parked: d.parked.filter((p) => p.eventId !== eventId),
      parkedReplays: d.parkedReplays.filter((id) => id !== eventId),
    }));
    this.runners.get(stateDocId('saga', name))?.poke();
  }

  private async changeSagaParked(name: string, eventId: string, change: (doc: ConsumerStateDoc) => ConsumerStateDoc | null): Promise<void> {
    if (!this.registry.saga(name)) throw new SagaNotFoundError(name);
    const outcome = await this.states.change(stateDocId('saga', name), (d) =>
      d.parked.some((p) => p.eventId === eventId) ? { doc: change(d), result: true } : { doc: null, result: false },
    );
    if (!outcome?.result) throw new ParkedEventNotFoundError(`saga ${name}`, eventId);
  }

  /**
   * Resolves once projection `name` has applied every event up to `position` (its checkpoint ≥ position).
   * Rejects with ProjectionStaleError (PROJECTION.STALE, 504) after `timeoutMs`, and at once with
   * ProjectionFailedError when the projection is stopped on an event at or before `position`.
   */
  async waitForPosition(name: string, position: number, timeoutMs = this.timings.waitTimeoutMs): Promise<void> {
    if (!this.registry.projection(name)) throw new ProjectionNotFoundError(name);
    if ((this.checkpoints.seen(name) ?? -1) >= position) return;
    const deadline = Date.now() + timeoutMs;
    this.notify();
    const local = this.runners.get(stateDocId('projection', name));
    for (;;) {
      let seen = this.checkpoints.seen(name) ?? 0;
      if (seen >= position) return;
      const doc = local?.stateDoc() ?? (await this.checkpoints.poll(name));
      if (doc) {
        this.recordCheckpoint('projection', name, doc.checkpoint);
        seen = Math.max(seen, doc.checkpoint);
        if (seen >= position) return;
        // Fail fast only on the verdict of a live holder: a new holder retries the event (and may get past it).
        const held = !!doc.owner && doc.leaseExpiresAt > Date.now();
        if (held && doc.failure && doc.failure.position <= position)
          throw new ProjectionFailedError(name, doc.failure.position, doc.failure.message);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new ProjectionStaleError(name, position, seen, timeoutMs);
      await this.checkpoints.changed(name, Math.min(left, this.timings.statePollMs));
    }
  }

  /**
   * Asks for a blue/green rebuild of a projection; whichever instance holds its lease performs it.
   * Returns the id of the rebuild (an existing one when a rebuild is already running or requested).
   */
  async requestRebuild(name: string): Promise<{ rebuildId: string }> {
    const def = this.registry.projection(name);
    if (!def) throw new ProjectionNotFoundError(name);
    await this.states.ensureIndex();
    let rebuildId = '';
    await this.states.modify(
      stateDocId('projection', name),
      () => initialState('projection', name, def.version),
      (d) => {
        if (d.rebuildRequest) {
          rebuildId = d.rebuildRequest.id;
          return null;
        }
        if (d.rebuild && !d.rebuild.failure) {
          rebuildId = d.rebuild.id;
          return null;
        }
        rebuildId = randomUUID();
        return { ...d, rebuildRequest: { id: rebuildId, requestedAt: new Date().toISOString() } };
      },
    );
    this.runners.get(stateDocId('projection', name))?.poke();
    return { rebuildId };
  }

  /**
   * Requests a rebuild and follows it to the end, reporting progress. Starts this projection's runner
   * here if it is not running yet, so a command-line process does the work when no service instance does.
   */
  async rebuild(name: string, options: RebuildOptions = {}): Promise<RebuildProgress> {
    const { rebuildId } = await this.requestRebuild(name);
    this.startRunner('projection', name);
    for (;;) {
      if (options.signal?.aborted) throw new Error('stopped following the rebuild');
      const [state, head] = await Promise.all([
        this.states.get(stateDocId('projection', name)),
        this.store.headPosition().catch(() => null),
      ]);
      const progress = state ? rebuildProgressOf(state.doc, head, rebuildId) : null;
      if (progress) options.onProgress?.(progress);
      if (progress?.state === 'completed') return progress;
      if (progress?.state === 'failed') throw new RebuildFailedError(name, progress.error ?? 'unknown error');
      await sleep(this.timings.progressIntervalMs);
    }
  }

  private recordCheckpoint(kind: ConsumerKind, name: string, checkpoint: number): void {
    if (kind === 'projection') this.checkpoints.record(name, checkpoint);
  }
}
