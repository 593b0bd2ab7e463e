import type { estypes } from '@elastic/elasticsearch';
import type { RequestContext } from '@gyroscops/context';
import type { StoredEvent } from '@gyroscops/event-store';

/**
 * A read model built from the global log. `evolve` must be pure: given the same document and event it
 * returns the same result, because events are delivered at least once and a rebuild replays them all.
 *
 * Documents are stored in `<prefix>-rm-<name>-v<version>-<suffix>` behind the alias `<prefix>-rm-<name>`.
 * Each must carry the `organizationId` reads are filtered by; when `evolve` leaves it out, the event's
 * `metadata.organizationId` is used. `_position` and `_deleted` are reserved.
 * Bump `version` when `evolve` or `mappings` change: the next instance to hold the lease rebuilds.
 */
export interface ProjectionDefinition<D extends object = object> {
  /** Lowercase letters, digits, `_` and `-` (it becomes part of index names). */
  readonly name: string;
  readonly version: number;
  /** Events of other types are skipped without being loaded into `evolve`. */
  readonly eventTypes: readonly string[];
  /** The read-model document an event belongs to; null ignores the event. */
  idOf(event: StoredEvent): string | null;
  /** Returns the new document, or null to delete it. */
  evolve(doc: D | null, event: StoredEvent): D | null;
  /** Mapping of the read-model index; `organizationId` (keyword), `_position` and `_deleted` are added. */
  readonly mappings?: estypes.MappingTypeMapping;
}

/** What a saga handler gets besides the event. */
export interface SagaHandlerContext {
  readonly sagaName: string;
  /** 1 on the first try; handlers may be called again for the same event after a failure or a crash. */
  readonly attempt: number;
  /** The request context the handler runs in (also available through RequestContextStore.current()). */
  readonly requestContext: RequestContext;
  /**
   * A stable UUID for something this reaction creates (a command id, an event id): the same for every
   * retry of this event, different per `discriminator`. Use it as `eventId` so the append is idempotent.
   */
  idFor(discriminator?: string): string;
}

/**
 * A process manager fed from the global log, with its own checkpoint and lease. `handle` runs at least
 * once per event, inside a RequestContext (correlationId of the event, causationId = its eventId,
 * source `saga`, the event's organization, role writer), so commands it dispatches are stamped with it.
 * Make its effects idempotent with ids from `context.idFor()` (UUIDs derived from the event id).
 */
export interface SagaDefinition {
  readonly name: string;
  readonly eventTypes: readonly string[];
  handle(event: StoredEvent, context: SagaHandlerContext): Promise<void>;
  /**
   * Where a saga seen for the first time starts: `beginning` (default) reacts to the whole history;
   * `now` starts at the head, ignoring events appended before it was first deployed.
   */
  readonly startFrom?: 'beginning' | 'now';
}

const NAME = /^[a-z0-9][a-z0-9_]*(?:-[a-z0-9_]+)*$/;

export function assertValidName(kind: 'projection' | 'saga', name: string): void {
  if (typeof name !== 'string' || name.length > 64 || !NAME.test(name)) {
    throw new Error(`Invalid ${kind} name "${String(name)}": use 1-64 lowercase letters, digits, "_" or single "-"`);
  }
}

export function assertValidProjection(def: ProjectionDefinition<object>): void {
  assertValidName('projection', def.name);
  if (!Number.isInteger(def.version) || def.version < 1) throw new Error(`Projection ${def.name}: version must be a positive integer`);
  if (!Array.isArray(def.eventTypes) || def.eventTypes.length === 0)
    throw new Error(`Projection ${def.name}: eventTypes must not be empty`);
  if (typeof def.idOf !== 'function' || typeof def.evolve !== 'function')
    throw new Error(`Projection ${def.name}: idOf and evolve are required`);
}

export function assertValidSaga(def: SagaDefinition): void {
  assertValidName('saga', def.name);
  if (!Array.isArray(def.eventTypes) || def.eventTypes.length === 0) throw new Error(`Saga ${def.name}: eventTypes must not be empty`);
  if (typeof def.handle !== 'function') throw new Error(`Saga ${def.name}: handle is required`);
}
