import type { ConsumerGroupState } from './consumer-group.state';

/** The one document per projection, saga or consumer group in `<prefix>-projection-state`: checkpoint, lease and status together. */
export type ConsumerKind = 'projection' | 'saga' | 'group';
export type ConsumerState = 'running' | 'rebuilding' | 'failed' | 'stopped';

export interface FailureRecord {
  message: string;
  /** The event the consumer could not get past. */
  position: number;
  attempts: number;
  at: string;
}

export interface RebuildState {
  id: string;
  /** The fresh index being filled from position 0. */
  index: string;
  /** Definition version the new index is built with. */
  version: number;
  position: number;
  headPosition: number;
  eventsDone: number;
  eventsPerSecond: number;
  startedAt: string;
  failure: FailureRecord | null;
}

export interface RebuildRecord {
  id: string;
  index: string;
  position: number;
  startedAt: string;
  completedAt: string;
}

export interface ParkedEvent {
  eventId: string;
  eventType: string;
  aggregateId: string;
  position: number;
  error: string;
  attempts: number;
  parkedAt: string;
}

export interface ConsumerStateDoc {
  kind: ConsumerKind;
  name: string;
  /** Definition version of the live read model (projections); 1 for sagas. */
  version: number;
  /** Instance holding the lease, or null when released. */
  owner: string | null;
  /** Incremented at every takeover: a fencing token, so a holder notices when someone else took over. */
  epoch: number;
  /** Epoch milliseconds (wall clock of the holder). */
  leaseExpiresAt: number;
  /** Every position up to it has been applied (or handled). */
  checkpoint: number;
  state: ConsumerState;
  lastError: string | null;
  failedPosition: number | null;
  /**
   * Set when the live consumer stopped on an event; cleared when an instance takes the lease again or a rebuild completes.
   * Sagas: the event that kept failing while the parked list was full; the saga waits on it (retried) until it is handled
   * or there is room to park it, and clears it then.
   */
  failure: FailureRecord | null;
  eventsPerSecond: number;
  headPosition: number;
  updatedAt: string;
  /** Projections: the concrete index the alias points to. */
  index: string | null;
  rebuild: RebuildState | null;
  rebuildRequest: { id: string; requestedAt: string } | null;
  lastRebuild: RebuildRecord | null;
  /** Sagas and consumer groups: the events whose handler kept failing, newest last; at most MAX_PARKED_KEPT. */
  parked: ParkedEvent[];
  parkedCount: number;
  /** Sagas: parked events (by eventId) an operator asked to run again; the holder does it at its next step. */
  parkedReplays: string[];
  /** Consumer groups: filter, settings and delivery state (consumer-group.state.ts); null for projections and sagas. */
  group: ConsumerGroupState | null;
}

export const MAX_PARKED_KEPT = 100;

/** How many more events may be parked: none while the list is full (a failing event then waits, retried, instead). */
export function parkedRoom(doc: Pick<ConsumerStateDoc, 'parked'>): number {
  return Math.max(0, MAX_PARKED_KEPT - doc.parked.length);
}

/**
 * Records newly parked events (`parkedCount` counts every event ever parked). Callers park only what `parkedRoom`
 * allows: an event beyond it is refused with an error rather than dropped, since dropping it would lose it silently.
 */
export function withParkedEvents<D extends ConsumerStateDoc>(doc: D, parked: readonly ParkedEvent[]): D {
  if (parked.length === 0) return doc;
  if (parked.length > parkedRoom(doc)) {
    throw new Error(
      `${doc.kind} ${doc.name}: cannot park ${parked.length} more events, the parked list holds ${doc.parked.length} of ${MAX_PARKED_KEPT}`,
    );
  }
  return { ...doc, parked: [...doc.parked, ...parked], parkedCount: doc.parkedCount + parked.length };
}

export function stateDocId(kind: ConsumerKind, name: string): string {
  return `${kind}:${name}`;
}

export function initialState(kind: ConsumerKind, name: string, version: number, checkpoint = 0): ConsumerStateDoc {
  return {
    kind,
    name,
    version,
    owner: null,
    epoch: 0,
    leaseExpiresAt: 0,
    checkpoint,
    state: 'stopped',
    lastError: null,
    failedPosition: null,
    failure: null,
    eventsPerSecond: 0,
    headPosition: 0,
    updatedAt: new Date().toISOString(),
    index: null,
    rebuild: null,
    rebuildRequest: null,
    lastRebuild: null,
    parked: [],
    parkedCount: 0,
    parkedReplays: [],
    group: null,
  };
}

/** Fills fields a document written by an older version may lack. */
export function normalizeState(doc: Partial<ConsumerStateDoc> & Pick<ConsumerStateDoc, 'kind' | 'name'>): ConsumerStateDoc {
  return { ...initialState(doc.kind, doc.name, doc.version ?? 1), ...doc };
}

/** The state shown to people, derived from the facts so it cannot disagree with them. */
export function deriveState(doc: ConsumerStateDoc, now = Date.now()): ConsumerState {
  if (doc.failure || doc.rebuild?.failure) return 'failed';
  if (doc.rebuild) return 'rebuilding';
  if (!doc.owner || doc.leaseExpiresAt <= now) return 'stopped';
  return 'running';
}

/** Keeps the summary fields (`state`, `lastError`, `failedPosition`) in step with the facts before a write. */
export function withSummary(doc: ConsumerStateDoc): ConsumerStateDoc {
  const failure = doc.failure ?? doc.rebuild?.failure ?? null;
  const lastParked = doc.parked[doc.parked.length - 1];
  return {
    ...doc,
    state: deriveState(doc),
    lastError: failure ? failure.message : (lastParked?.error ?? null),
    failedPosition: failure ? failure.position : null,
    updatedAt: new Date().toISOString(),
  };
}
