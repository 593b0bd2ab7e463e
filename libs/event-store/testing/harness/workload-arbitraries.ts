import fc from 'fast-check';
import type { CommandActor } from './command-workload';
import type { Fault } from './faults';
import type { RunnersPlan } from './scenario';
import type { Actor, AppendStep, ReadAllStep, ReadStreamStep, Step, Workload } from './workload';

export interface WorkloadShape {
  maxInstances: number;
  maxActors: number;
  maxSteps: number;
  /** Faults per instance (0: a clean run). */
  maxFaults: number;
  /** Longest stall, in ms; a few times the lease makes zombies. */
  maxStallMs: number;
  /** Whether an instance may die (never for the in-memory adapter: it has no client to kill). */
  kills: boolean;
}

/** A value one time in `oneIn`, undefined otherwise (shrinks towards undefined). */
const sometimes = <T>(arb: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

const appendStep: fc.Arbitrary<AppendStep> = fc.record(
  {
    kind: fc.constant('append' as const),
    stream: fc.nat(2),
    expected: fc.constantFrom('exact' as const, 'exact' as const, 'no_stream' as const, 'stream_exists' as const, 'any' as const),
    exactFrom: fc.oneof(fc.constantFrom('read' as const, 'known' as const), fc.nat(3)),
    events: fc.integer({ min: 1, max: 3 }),
    clientIds: fc.boolean(),
    // Rarely the other organization (shrinks towards the first).
    otherOrg: fc.nat(9).map((n) => n === 9),
    retryOf: sometimes(fc.nat(7), 4),
    sameIdsAs: sometimes(fc.nat(7), 9),
  },
  { requiredKeys: ['kind', 'stream', 'expected', 'exactFrom', 'events', 'clientIds', 'otherOrg'] },
);

const readAllStep: fc.Arbitrary<ReadAllStep> = fc.record({
  kind: fc.constant('readAll' as const),
  from: fc.constantFrom('checkpoint' as const, 'anywhere' as const),
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  maxCount: fc.integer({ min: 1, max: 6 }),
});

const readStreamStep: fc.Arbitrary<ReadStreamStep> = fc.record({ kind: fc.constant('readStream' as const), stream: fc.nat(2) });

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: appendStep },
  { weight: 2, arbitrary: readAllStep },
  { weight: 1, arbitrary: readStreamStep },
);

export function faultArb(maxStallMs: number, kills: boolean): fc.Arbitrary<Fault> {
  const none = fc.constant<Fault>({ kind: 'none' });
  return fc.oneof(
    { weight: 30, arbitrary: none },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant('reject-before' as const), status: fc.constantFrom(429 as const, 503 as const) }),
    },
    { weight: 1, arbitrary: fc.constant<Fault>({ kind: 'connection-refused' }) },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant('lose-response' as const), as: fc.constantFrom('timeout' as const, 'connection' as const) }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('fail-after' as const), status: fc.constantFrom(429 as const, 503 as const) }) },
    { weight: 2, arbitrary: fc.constant<Fault>({ kind: 'resend' }) },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('stall' as const),
        ms: fc.integer({ min: 1, max: maxStallMs }),
        phase: fc.constantFrom('before' as const, 'after' as const),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('bulk-item-429' as const), everyNth: fc.integer({ min: 1, max: 3 }) }) },
    {
      weight: kills ? 1 : 0,
      arbitrary: fc.record({ kind: fc.constant('kill' as const), phase: fc.constantFrom('before' as const, 'after' as const) }),
    },
  );
}

/** A workload: 2-3 store instances sharing one backend, writers and readers on them, and each instance's faults. */
export function workloadArb(shape: WorkloadShape): fc.Arbitrary<Workload> {
  return fc.integer({ min: Math.min(2, shape.maxInstances), max: shape.maxInstances }).chain((instances) =>
    fc.record({
      streams: fc.integer({ min: 1, max: 3 }),
      instances: fc.constant(instances),
      actors: fc.array(
        fc.record<Actor>({ instance: fc.nat(instances - 1), steps: fc.array(step, { minLength: 1, maxLength: shape.maxSteps }) }),
        { minLength: 2, maxLength: shape.maxActors },
      ),
      faults: fc.array(fc.array(faultArb(shape.maxStallMs, shape.kills), { maxLength: shape.maxFaults }), {
        minLength: instances,
        maxLength: instances,
      }),
    }),
  );
}

/** Faults of the first projection/saga runner, and when it is stopped and replaced (real Elasticsearch only). */
export function runnersArb(shape: WorkloadShape): fc.Arbitrary<RunnersPlan> {
  return fc.record({
    faults: fc.array(faultArb(shape.maxStallMs, shape.kills), { maxLength: shape.maxFaults }),
    stopAtEvent: fc.integer({ min: 1, max: 15 }),
    sagaDelayMs: fc.integer({ min: 0, max: 5 }),
  });
}

/** Command actors on any instance; a handful of shared command ids, so the same command often runs twice. */
export function commandActorsArb(): fc.Arbitrary<CommandActor[]> {
  const command = fc.record({ command: fc.nat(3), stream: fc.nat(1), amount: fc.integer({ min: 1, max: 100 }) });
  return fc.array(fc.record({ instance: fc.nat(2), commands: fc.array(command, { minLength: 1, maxLength: 3 }) }), { maxLength: 3 });
}

/** PCT's parameters (used by runs that ask for PCT instead of fast-check's uniform scheduler). */
export interface PctPlan {
  seed: number;
  depth: number;
}

export function pctArb(): fc.Arbitrary<PctPlan> {
  return fc.record({ seed: fc.nat(), depth: fc.integer({ min: 1, max: 4 }) });
}
