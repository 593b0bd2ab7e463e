import type { StoredEvent } from '@gyroscops/event-store';
import type { ProjectionDefinition } from './projection.definition';

/** What every read-model document carries besides its own fields. */
export interface ReadModelMeta {
  /** Position of the last event applied to it; also its Elasticsearch external version. */
  _position: number;
  /** Set on documents `evolve` deleted: kept as tombstones so a stale writer can never bring them back. */
  _deleted?: boolean;
  organizationId?: string;
}

export type StoredReadModel = Record<string, unknown> & ReadModelMeta;

export interface DocWrite {
  id: string;
  /** Last event applied: the external version it is written with. */
  position: number;
  /** Position of the first event of this batch applied to it (to name the event when the write fails). */
  firstPosition: number;
  body: StoredReadModel;
}

export interface EventFailure {
  position: number;
  eventId: string;
  error: unknown;
}

export interface BatchPlan {
  writes: DocWrite[];
  /** Events passed to `evolve`. */
  applied: number;
  /** The event `idOf` or `evolve` threw on; `writes` then cover only the events before it. */
  failure: EventFailure | null;
}

const MAX_ID_BYTES = 512;

export function isRelevant(def: Pick<ProjectionDefinition<object>, 'eventTypes'>): (e: StoredEvent) => boolean {
  const types = new Set(def.eventTypes);
  return (e) => types.has(e.eventType);
}

/** Splits a stored document into what `evolve` sees and its bookkeeping. */
export function fromStored(stored: StoredReadModel | undefined): {
  doc: Record<string, unknown> | null;
  position: number;
  organizationId?: string;
} {
  if (!stored) return { doc: null, position: 0 };
  const { _position, _deleted, ...doc } = stored;
  const organizationId = typeof doc.organizationId === 'string' ? doc.organizationId : undefined;
  return { doc: _deleted ? null : doc, position: typeof _position === 'number' ? _position : 0, organizationId };
}

/** The read-model ids a batch touches, in first-seen order. Throws the failing event when `idOf` does. */
export function idsOf(
  def: ProjectionDefinition<object>,
  events: readonly StoredEvent[],
): { ids: Map<number, string | null>; failure: EventFailure | null } {
  const ids = new Map<number, string | null>();
  for (const e of events) {
    try {
      const id = def.idOf(e);
      if (id !== null && (typeof id !== 'string' || id.length === 0 || Buffer.byteLength(id) > MAX_ID_BYTES)) {
        throw new Error(
          `idOf returned an invalid document id ${JSON.stringify(id)?.slice(0, 80)} (a non-empty string of at most ${MAX_ID_BYTES} bytes)`,
        );
      }
      ids.set(e.position, id);
    } catch (error) {
      return { ids, failure: { position: e.position, eventId: e.eventId, error } };
    }
  }
  return { ids, failure: null };
}

/**
 * Folds a batch into one write per document. Events a document has already applied (position at or
 * below its `_position`) are skipped, which makes redelivery harmless. Pure: no I/O.
 */
export function planBatch(
  def: ProjectionDefinition<object>,
  events: readonly StoredEvent[],
  ids: ReadonlyMap<number, string | null>,
  current: ReadonlyMap<string, StoredReadModel>,
): BatchPlan {
  interface Working {
    doc: Record<string, unknown> | null;
    position: number;
    firstPosition: number;
    organizationId?: string;
    changed: boolean;
  }
  const working = new Map<string, Working>();
  let applied = 0;
  let failure: EventFailure | null = null;
  for (const e of events) {
    const id = ids.get(e.position);
    if (id === undefined || id === null) continue;
    let w = working.get(id);
    if (!w) {
      const s = fromStored(current.get(id));
      w = { doc: s.doc, position: s.position, firstPosition: 0, organizationId: s.organizationId, changed: false };
      working.set(id, w);
    }
    if (e.position <= w.position) continue;
    try {
      // A copy, so an evolve that mutates its input and then throws leaves nothing half-applied.
      w.doc = def.evolve(w.doc === null ? null : structuredClone(w.doc), e) as Record<string, unknown> | null;
    } catch (error) {
      failure = { position: e.position, eventId: e.eventId, error };
      break;
    }
    applied++;
    if (!w.changed) w.firstPosition = e.position;
    w.position = e.position;
    w.changed = true;
    if (w.doc && typeof w.doc.organizationId === 'string') w.organizationId = w.doc.organizationId;
    w.organizationId ??= e.metadata.organizationId;
  }
  const writes: DocWrite[] = [];
  for (const [id, w] of working) {
    if (!w.changed) continue;
    let body: StoredReadModel;
    if (w.doc === null) {
      body = { _position: w.position, _deleted: true, ...(w.organizationId ? { organizationId: w.organizationId } : {}) };
    } else {
      const { _deleted: _d, ...doc } = w.doc;
      body = {
        ...doc,
        organizationId: typeof doc.organizationId === 'string' ? doc.organizationId : w.organizationId,
        _position: w.position,
      };
    }
    writes.push({ id, position: w.position, firstPosition: w.firstPosition, body });
  }
  return { writes, applied, failure };
}
