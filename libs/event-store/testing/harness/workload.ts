import type { NewEvent } from '@gyroscops/event-store';
import type { CommandActor } from './command-workload';
import type { Fault } from './faults';

export type ExpectedKind = 'exact' | 'no_stream' | 'stream_exists' | 'any';

/** How a writer picks an exact expected version: read the stream first, use what it last saw, or guess. */
export type ExactSource = 'read' | 'known' | number;

export interface AppendStep {
  kind: 'append';
  stream: number;
  expected: ExpectedKind;
  exactFrom: ExactSource;
  events: number;
  clientIds: boolean;
  /** Writes as the second organization (a stream of the first one then answers StreamNotFound). */
  otherOrg: boolean;
  /** Re-send an earlier client-id append as it was (same ids, payloads, stream and expectation), maybe elsewhere. */
  retryOf?: number;
  /** Reuse the event ids of an earlier client-id append for a different append, to this step's stream. */
  sameIdsAs?: number;
}

export interface ReadAllStep {
  kind: 'readAll';
  /** From the reader's own checkpoint, or from a position drawn in [0, head] (often inside a multi-event append). */
  from: 'checkpoint' | 'anywhere';
  /** Where in [0, head] when `anywhere`. */
  at: number;
  maxCount: number;
}

export interface ReadStreamStep {
  kind: 'readStream';
  stream: number;
}

export type Step = AppendStep | ReadAllStep | ReadStreamStep;

export interface Actor {
  instance: number;
  steps: Step[];
}

/** Everything a run does, generated (and shrunk) by fast-check. */
export interface Workload {
  streams: number;
  instances: number;
  actors: Actor[];
  /** Per instance, the faults its requests meet in order (in-process and real-Elasticsearch runs). */
  faults: Fault[][];
  /** Actors executing commands through libs/ddd's repository, alongside the others. */
  commandActors?: CommandActor[];
}

/** One append call, with everything decided except an exact expected version read at run time. */
export interface PlannedAppend {
  op: number;
  /** The append a retry repeats (itself otherwise): retries share their payloads and ids. */
  logical: number;
  /** Set on a retry: the op it re-sends. */
  retryOf?: number;
  actor: number;
  instance: number;
  aggregateId: string;
  organizationId: string;
  step: AppendStep;
  events: NewEvent[];
}

export const ORGS = ['org-h1', 'org-h2'] as const;
export const AGGREGATE_TYPE = 'Harness';

const hex = (n: number, width: number) => (n >>> 0).toString(16).padStart(width, '0').slice(-width);

/** Ids unique to a run (tag) and an append: UUID-shaped, as the store requires of client ids. */
export const eventIdOf = (tag: number, logical: number, k: number) =>
  `${hex(tag, 8)}-${hex(logical, 4)}-4${hex(k, 3)}-8000-${hex(logical, 12)}`;

export const streamName = (tag: number, i: number) => `h-${hex(tag, 8)}-s${i}`;

/** Numbers the appends and builds their events; retries and id reuse point at earlier client-id appends. */
export function planAppends(w: Workload, tag: number): Map<AppendStep, PlannedAppend> {
  const planned = new Map<AppendStep, PlannedAppend>();
  const withIds: PlannedAppend[] = [];
  let op = 0;
  w.actors.forEach((actor, a) => {
    for (const step of actor.steps) {
      if (step.kind !== 'append') continue;
      op++;
      const base = { op, actor: a, instance: actor.instance, organizationId: ORGS[step.otherOrg ? 1 : 0], step };
      const original = step.retryOf !== undefined && withIds.length > 0 ? withIds[step.retryOf % withIds.length] : undefined;
      const idsFrom = step.sameIdsAs !== undefined && withIds.length > 0 ? withIds[step.sameIdsAs % withIds.length] : undefined;
      let p: PlannedAppend;
      if (original) {
        p = {
          ...base,
          logical: original.logical,
          retryOf: original.op,
          aggregateId: original.aggregateId,
          step: original.step,
          events: original.events.map((e) => ({ ...e, metadata: { harnessOp: op } })),
        };
      } else {
        const count = idsFrom ? idsFrom.events.length : step.events;
        p = {
          ...base,
          logical: op,
          aggregateId: streamName(tag, step.stream % w.streams),
          events: Array.from({ length: count }, (_, k) => ({
            ...(idsFrom ? { eventId: idsFrom.events[k].eventId } : step.clientIds ? { eventId: eventIdOf(tag, op, k) } : {}),
            eventType: 'HarnessEvent',
            eventData: { op, k },
            metadata: { harnessOp: op },
          })),
        };
      }
      planned.set(step, p);
      if (p.events[0].eventId && !original) withIds.push(p);
    }
  });
  return planned;
}
