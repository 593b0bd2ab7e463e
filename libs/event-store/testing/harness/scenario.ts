import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { InMemoryEventStore, type EventStore } from '@gyroscops/event-store';
import { ElasticsearchEventStore } from '@gyroscops/event-store/elasticsearch';
import { eventIdFor } from '@gyroscops/ddd';
import { commandIdOf, counterStream } from './command-workload';
import { ElasticsearchModel } from './elasticsearch-model';
import { FaultyClient, type EsClientLike } from './faulty-client';
import { ListedFaults, type Fault } from './faults';
import { readFinalState, type FinalState, type Observer } from './final-state';
import { checkGuarantees, type Violation } from './guarantees-checker';
import type { HistoryRecord } from './history';
import { DelayingInterleaver, type Interleaver, type SteppedInterleaver } from './interleaver';
import { Prng } from './prng';
import { RunnersRig } from './runners-rig';
import { Simulation } from './simulation';
import { VirtualClock } from './virtual-clock';
import { WorkloadRunner } from './workload-runner';
import { streamName, type Workload } from './workload';

/** Projection and saga runners working alongside the writers (real Elasticsearch only). */
export interface RunnersPlan {
  /** Faults of the first runner's client (it may die; the second one only meets the others). */
  faults: Fault[];
  /** The first runner is stopped cleanly (and replaced) while its saga handles its n-th event. */
  stopAtEvent: number;
  /** How long the saga's handler works on each event (a stop then often lands inside a multi-event append). */
  sagaDelayMs: number;
}

export interface ScenarioOptions {
  leaseMs: number;
  gapTimeoutMs: number;
  /** Hold EventStoreUnavailable to "nothing was recorded" (see CheckOptions). */
  unavailableMeansAbsent: boolean;
}

export interface RunReport {
  violations: Violation[];
  history: HistoryRecord[];
  final: FinalState;
  /** Faults actually injected, per instance. */
  injected: Record<string, number>[];
  /** In-process only, for diagnosis: the backend's documents per index at the end (id -> source). */
  backendDocuments?: Map<string, Map<string, Record<string, unknown>>>;
}

const never = new Promise<void>(() => undefined);

function workloadIds(w: Workload, tag: number, runner: WorkloadRunner): { streams: string[]; eventIds: string[] } {
  const commands = (w.commandActors ?? []).flatMap((a) => a.commands);
  const streams = [
    ...Array.from({ length: w.streams }, (_, i) => streamName(tag, i)),
    ...new Set(commands.map((c) => counterStream(tag, c.stream))),
  ];
  const eventIds = [
    ...[...runner.planned.values()].flatMap((p) => p.events.map((e) => e.eventId).filter((x): x is string => !!x)),
    ...commands.map((c) => eventIdFor(commandIdOf(tag, c.command), 0)),
  ];
  return { streams, eventIds: [...new Set(eventIds)] };
}

function esStore(client: unknown, prefix: string, o: ScenarioOptions, appendTimeoutMs: number): ElasticsearchEventStore {
  return new ElasticsearchEventStore({
    client: client as Client,
    indexPrefix: prefix,
    leaseMs: o.leaseMs,
    gapTimeoutMs: o.gapTimeoutMs,
    appendTimeoutMs,
    // The harness settles leases itself, after the run, through the same public method.
    sweepIntervalMs: 0,
  });
}

/** Runs the workload on store instances whose clients inject faults, then reads back and checks. */
async function runOnElasticsearchProtocol(
  w: Workload,
  tag: number,
  backend: EsClientLike,
  prefix: string,
  interleaverFor: (instance: number) => Interleaver,
  o: ScenarioOptions & { appendTimeoutMs: number; sleep: (ms: number) => Promise<void>; everyCheckpoint: boolean; runners?: RunnersPlan },
): Promise<RunReport> {
  const clients = Array.from(
    { length: w.instances },
    (_, i) => new FaultyClient(backend, new ListedFaults(w.faults[i] ?? []), interleaverFor(i), `i${i}`),
  );
  const stores = clients.map((c) => esStore(c, prefix, o, o.appendTimeoutMs));
  for (const s of stores) await s.setup();
  const rig = o.runners
    ? new RunnersRig(
        backend,
        prefix,
        async (client) => {
          const store = esStore(client, prefix, o, o.appendTimeoutMs);
          await store.setup();
          return store;
        },
        interleaverFor(w.instances),
      )
    : null;
  if (rig && o.runners) await rig.start(o.runners);
  clients.forEach((c) => c.arm());
  const runner = new WorkloadRunner(
    w,
    tag,
    stores.map((store, i) => ({ store, died: clients[i].died })),
  );
  await runner.run();
  // The dust settles: live instances finish what they do after acknowledging (finalising heads).
  await Promise.all(stores.filter((_, i) => !clients[i].dead).map((s) => s.close()));

  const observer = esStore(backend, prefix, o, o.appendTimeoutMs);
  await observer.setup();
  const ids = workloadIds(w, tag, runner);
  const obs: Observer = {
    store: observer,
    sleep: o.sleep,
    refresh: async () => void (await (backend.indices as { refresh(p: object): Promise<unknown> }).refresh({ index: `${prefix}-*` })),
    leaseMs: o.leaseMs,
    gapTimeoutMs: o.gapTimeoutMs,
    everyCheckpoint: o.everyCheckpoint,
  };
  const final = await readFinalState(obs, ids.streams, ids.eventIds);
  const violations = checkGuarantees(runner.history.records, final, o);
  if (rig && final.log.ok) {
    const caughtUp = await rig.catchUp(final.log.value.head);
    violations.push(...caughtUp, ...(caughtUp.length === 0 ? await rig.check(final.log.value.events) : []));
  }
  await rig?.stop();
  await observer.close();
  // Requests a dead instance sent still apply: wait for them (bounded), so none lands after the indices are dropped.
  let timer: NodeJS.Timeout | undefined;
  const all = [...clients, ...(rig?.clients ?? [])];
  await Promise.race([Promise.all(all.map((c) => c.quiet())), new Promise((r) => (timer = setTimeout(r, 30_000)))]);
  clearTimeout(timer);
  return {
    violations,
    history: runner.history.records,
    final,
    injected: all.map((c) => ({ ...c.injected })),
  };
}

/**
 * In-process: the real Elasticsearch adapter against the Elasticsearch model, on virtual time; every request step
 * goes through the interleaver, so a seed (or fast-check's scheduler) fixes the whole schedule.
 */
export async function runInProcess(w: Workload, tag: number, interleaver: SteppedInterleaver, o: ScenarioOptions): Promise<RunReport> {
  const clock = new VirtualClock();
  const uninstall = clock.install(tag);
  try {
    const sim = new Simulation(clock, interleaver, new Prng(tag ^ 0x5bd1e995));
    return await sim.run(async () => {
      const model = new ElasticsearchModel({ interleaver, now: () => clock.now() });
      const prefix = `h${tag >>> 0}`;
      const report = await runOnElasticsearchProtocol(w, tag, model, prefix, () => interleaver, {
        ...o,
        appendTimeoutMs: 15_000,
        sleep: (ms) => clock.sleep(ms),
        everyCheckpoint: true,
      });
      if (report.violations.length > 0) report.backendDocuments = new Map(model.indexNames(prefix).map((ix) => [ix, model.dump(ix)]));
      return report;
    });
  } finally {
    uninstall();
  }
}

const REAL_RUN_LIMIT_MS = 120_000;

/** Deletes every index and template of a prefix, by name (Elasticsearch refuses wildcard deletes by default). */
async function dropEverything(es: Client, prefix: string): Promise<void> {
  const indices = Object.keys(
    await es.indices.get({ index: `${prefix}-*`, expand_wildcards: 'all', allow_no_indices: true, ignore_unavailable: true }),
  );
  if (indices.length > 0) await es.indices.delete({ index: indices, ignore_unavailable: true });
  const templates = await es.indices.getIndexTemplate({ name: `${prefix}-*` }).catch(() => ({ index_templates: [] as { name: string }[] }));
  for (const t of templates.index_templates) await es.indices.deleteIndexTemplate({ name: t.name }).catch(() => undefined);
}

/**
 * Against a real Elasticsearch: real time, seeded delays and faults, a fresh index prefix dropped afterwards.
 * `prefixRoot`: jest suites use `test-…` (their global teardown removes strays); the torture script must not, or a
 * concurrent jest run's teardown deletes its indices mid-run.
 */
export async function runAgainstElasticsearch(
  w: Workload,
  tag: number,
  node: string,
  o: ScenarioOptions,
  prefixRoot: string,
  runners?: RunnersPlan,
): Promise<RunReport> {
  const backend = new Client({ node, requestTimeout: 30_000 });
  const prefix = `${prefixRoot}-${tag >>> 0}-${randomBytes(3).toString('hex')}`;
  let watchdog: NodeJS.Timeout | undefined;
  try {
    const run = runOnElasticsearchProtocol(
      w,
      tag,
      backend as unknown as EsClientLike,
      prefix,
      (i) => new DelayingInterleaver(tag + i, 25),
      {
        ...o,
        appendTimeoutMs: 5_000,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        everyCheckpoint: false,
        runners,
      },
    );
    // A call on a live instance that never settles is a liveness failure, not a reason to hang the run.
    const stuck = new Promise<never>((_, reject) => {
      watchdog = setTimeout(
        () => reject(new Error(`no end after ${REAL_RUN_LIMIT_MS / 1000} s: a call on a live instance never settled`)),
        REAL_RUN_LIMIT_MS,
      );
    });
    return await Promise.race([run, stuck]);
  } finally {
    clearTimeout(watchdog);
    await dropEverything(backend, prefix).catch(() => undefined);
    await backend.close();
  }
}

/** The in-memory adapter: the same workload and checks, without a client to fault (several views of one store). */
export async function runInMemory(w: Workload, tag: number, o: ScenarioOptions): Promise<RunReport> {
  const shared = new InMemoryEventStore();
  const instances: { store: EventStore; died: Promise<void> }[] = Array.from({ length: w.instances }, () => ({
    store: new InMemoryEventStore({}, shared),
    died: never,
  }));
  const runner = new WorkloadRunner(w, tag, instances);
  await runner.run();
  const ids = workloadIds(w, tag, runner);
  const final = await readFinalState(
    { store: shared, sleep: async () => undefined, refresh: async () => undefined, leaseMs: 0, gapTimeoutMs: 0, everyCheckpoint: true },
    ids.streams,
    ids.eventIds,
  );
  return { violations: checkGuarantees(runner.history.records, final, o), history: runner.history.records, final, injected: [] };
}
