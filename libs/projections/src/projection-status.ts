import {
  deriveState,
  type ConsumerKind,
  type ConsumerState,
  type ConsumerStateDoc,
  type ParkedEvent,
  type RebuildRecord,
} from './consumer-state';

// How a projection or saga, and a rebuild, look to callers: read from its state document and the log head.

export interface RebuildProgress {
  rebuildId: string;
  state: 'requested' | 'running' | 'failed' | 'completed';
  index: string | null;
  /** Position the new index has reached. */
  position: number;
  headPosition: number;
  /** Log positions processed so far. */
  eventsDone: number;
  eventsPerSecond: number;
  /** headPosition - position. */
  remaining: number;
  startedAt: string | null;
  error: string | null;
}

export interface ProjectionStatus {
  name: string;
  /** Consumer groups have their own status (ConsumerGroups.status). */
  kind: Exclude<ConsumerKind, 'group'>;
  version: number;
  /** Checkpoint: every event up to it is applied (projections) or handled (sagas). */
  position: number;
  headPosition: number;
  lag: number;
  state: ConsumerState;
  eventsPerSecond: number;
  lastError: string | null;
  failedPosition: number | null;
  owner: string | null;
  leaseExpiresAt: string | null;
  rebuild: RebuildProgress | null;
  lastRebuild: RebuildRecord | null;
  /** Sagas: events whose handler kept failing (most recent first), and how many in all. */
  parked?: ParkedEvent[];
  parkedCount?: number;
}

export interface SagaParked {
  saga: string;
  /** Most recent first; at most MAX_PARKED_KEPT (100) are kept. */
  parked: ParkedEvent[];
  /** Events parked in all. */
  parkedCount: number;
  /** Event ids whose replay was asked for and has not run yet. */
  replayRequested: string[];
}

/** A rebuild's progress (the one with `rebuildId`, else the current or requested one), or null when there is none. */
export function rebuildProgressOf(doc: ConsumerStateDoc, head: number | null, rebuildId?: string): RebuildProgress | null {
  const headPosition = Math.max(head ?? 0, doc.headPosition);
  if (doc.rebuild && (!rebuildId || doc.rebuild.id === rebuildId)) {
    const r = doc.rebuild;
    const h = Math.max(headPosition, r.headPosition);
    return {
      rebuildId: r.id,
      state: r.failure ? 'failed' : 'running',
      index: r.index,
      position: r.position,
      headPosition: h,
      eventsDone: r.eventsDone,
      eventsPerSecond: r.eventsPerSecond,
      remaining: Math.max(0, h - r.position),
      startedAt: r.startedAt,
      error: r.failure?.message ?? null,
    };
  }
  if (doc.rebuildRequest && (!rebuildId || doc.rebuildRequest.id === rebuildId)) {
    return {
      rebuildId: doc.rebuildRequest.id,
      state: 'requested',
      index: null,
      position: 0,
      headPosition,
      eventsDone: 0,
      eventsPerSecond: 0,
      remaining: headPosition,
      startedAt: null,
      error: null,
    };
  }
  if (rebuildId && doc.lastRebuild?.id === rebuildId) {
    const last = doc.lastRebuild;
    const seconds = Math.max(0.001, (Date.parse(last.completedAt) - Date.parse(last.startedAt)) / 1000);
    return {
      rebuildId,
      state: 'completed',
      index: last.index,
      position: last.position,
      headPosition,
      eventsDone: last.position,
      // Over the whole rebuild.
      eventsPerSecond: Math.round(last.position / seconds),
      remaining: Math.max(0, headPosition - doc.checkpoint),
      startedAt: last.startedAt,
      error: null,
    };
  }
  return null;
}

export function toStatus(doc: ConsumerStateDoc, head: number | null, now: number): ProjectionStatus {
  const headPosition = Math.max(head ?? 0, doc.headPosition, doc.checkpoint);
  const state = deriveState(doc, now);
  const leaseLive = !!doc.owner && doc.leaseExpiresAt > now;
  const failure = doc.failure ?? doc.rebuild?.failure ?? null;
  const status: ProjectionStatus = {
    name: doc.name,
    kind: doc.kind === 'saga' ? 'saga' : 'projection',
    version: doc.version,
    position: doc.checkpoint,
    headPosition,
    lag: Math.max(0, headPosition - doc.checkpoint),
    state,
    eventsPerSecond: leaseLive ? doc.eventsPerSecond : 0,
    lastError: failure?.message ?? doc.lastError,
    failedPosition: failure?.position ?? null,
    owner: leaseLive ? doc.owner : null,
    leaseExpiresAt: leaseLive ? new Date(doc.leaseExpiresAt).toISOString() : null,
    rebuild: rebuildProgressOf(doc, head),
    lastRebuild: doc.lastRebuild,
  };
  if (doc.kind === 'saga') {
    status.parked = [...doc.parked].reverse();
    status.parkedCount = doc.parkedCount;
  }
  return status;
}
