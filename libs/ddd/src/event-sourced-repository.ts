import { RequestContextStore } from '@gyroscops/context';
import {
  DuplicateEventError,
  EventNotFoundError,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AppendResult,
  type EventStore,
  type ReadScope,
  type StoredEvent,
} from '@gyroscops/event-store';
import { readScopeOf, writeContextOf } from './context-scopes';
import type { Decider, DomainEvent } from './decider';
import { DomainError } from './domain-error';
import { uuidFromName } from './uuid-from-name';

/** Ids of the events a command produces, derived from the command id so a retried command stores nothing twice. */
export function eventIdFor(commandId: string, index: number): string {
  return uuidFromName('event', `${commandId}#${index}`);
}

export interface Loaded<S> {
  state: S;
  version: number;
  /** Timestamp and position of the last event folded in. */
  lastEvent?: StoredEvent;
}

export interface LoadOptions {
  /** Whose events may be read; the caller's (from the request context) when absent. */
  scope?: ReadScope;
  /** State as of this version (replay). */
  toVersion?: number;
  /** State as of this moment (replay): events with a later timestamp are left out. */
  at?: Date;
}

/**
 * What a command does when its stream changed between load and append. Every command states it: a retry is only
 * right when the decision depends on nothing but the loaded state, which the command's author knows, not the store.
 */
export type ConflictPolicy =
  /** Load, decide and append again on the newer state, `maxAttempts` runs in all; then 409 CONCURRENCY.CONFLICT. */
  | { onConflict: 'redecide'; maxAttempts: number }
  /** 409 CONCURRENCY.CONFLICT at once. */
  | { onConflict: 'fail' };

/** Decide again on the newer state (five runs in all unless told): invariants are checked against what won. */
export function redecide(maxAttempts = 5): ConflictPolicy {
  return { onConflict: 'redecide', maxAttempts };
}

export const FAIL_ON_CONFLICT: ConflictPolicy = Object.freeze({ onConflict: 'fail' });

export interface ExecuteOptions {
  /**
   * Id of the command. Its events' ids are derived from it (so a retried command stores nothing twice), and it is
   * their causation id unless the context already names a cause.
   */
  commandId: string;
  conflict: ConflictPolicy;
}

export interface RepositoryOptions<S> {
  /** Save a snapshot each time the version crosses a multiple of this. */
  snapshotEvery?: number;
  stateSchemaVersion?: number;
  /**
   * Called after each append this repository commits (not for a command found already applied), e.g. to wake the
   * log's consumers at once rather than at their next poll. Synchronous; what it throws is ignored: the append stands.
   */
  afterCommit?: (result: AppendResult, state: S) => void;
}

export interface ExecuteResult<S> {
  result: AppendResult | null;
  state: S;
  version: number;
  /** True when this command had already been applied (same command id): nothing new was stored. */
  replayed: boolean;
}

export class ConcurrencyConflictError extends DomainError {
  constructor(aggregateId: string, expected: number, actual: number) {
    super(
      'CONCURRENCY.CONFLICT',
      `${aggregateId} changed while the command ran (expected version ${expected}, now ${actual}); retry`,
      409,
      {
        expectedVersion: expected,
        actualVersion: actual,
      },
    );
  }
}

/**
 * Loads deciders' state from the event store (snapshot + tail) and saves their decisions with the loaded version as
 * the expected version. Every event carries the caller's correlation id, user, organization and source, and the
 * command id as causation, from the request context: handlers never pass them by hand.
 */
export class EventSourcedRepository<S, C, E extends DomainEvent> {
  constructor(
    private readonly store: EventStore,
    private readonly decider: Decider<S, C, E>,
    private readonly options: RepositoryOptions<S> = {},
  ) {}

  get aggregateType(): string {
    return this.decider.aggregateType;
  }

  async load(aggregateId: string, opts: LoadOptions = {}): Promise<Loaded<S>> {
    const scope = opts.scope ?? readScopeOf();
    const replaying = opts.toVersion !== undefined || opts.at !== undefined;
    let state = this.decider.initialState();
    let version = 0;
    if (this.options.snapshotEvery && !replaying) {
      const snap = await this.store.loadSnapshot<S>(aggregateId, scope);
      if (snap && snap.schemaVersion === (this.options.stateSchemaVersion ?? 1)) {
        state = snap.state;
        version = snap.version;
      }
    }
    let lastEvent: StoredEvent | undefined;
    try {
      const slice = await this.store.readStream(aggregateId, scope, { fromVersion: version + 1, toVersion: opts.toVersion });
      if (slice.aggregateType !== this.decider.aggregateType) throw new StreamNotFoundError(aggregateId);
      for (const e of slice.events) {
        if (opts.at && Date.parse(e.timestamp) > opts.at.getTime()) break;
        state = this.decider.evolve(state, { type: e.eventType, data: e.eventData } as E);
        version = e.version;
        lastEvent = e;
      }
    } catch (e) {
      if (!(e instanceof StreamNotFoundError) || version > 0) throw e;
    }
    return { state, version, lastEvent };
  }

  /** Load, decide, append; on a conflict, what the command's policy says (decide again, or 409). */
  async execute(aggregateId: string, command: C, options: ExecuteOptions): Promise<ExecuteResult<S>> {
    const maxAttempts = options.conflict.onConflict === 'redecide' ? options.conflict.maxAttempts : 1;
    // At the edge (an API request) the command is the cause; inside a saga reaction the context already names the
    // triggering event, so a correlation's events link event to event across modules.
    const causationId = RequestContextStore.require().causationId ?? options.commandId;
    return RequestContextStore.with({ causationId }, async () => {
      const replayed = await this.alreadyApplied(options.commandId);
      if (replayed) {
        const loaded = await this.load(aggregateId);
        return { result: replayed, state: loaded.state, version: loaded.version, replayed: true };
      }
      for (let attempt = 1; ; attempt++) {
        const loaded = await this.load(aggregateId);
        const events = this.decider.decide(command, loaded.state);
        if (events.length === 0) return { result: null, state: loaded.state, version: loaded.version, replayed: false };
        try {
          const result = await this.store.appendToStream(
            aggregateId,
            events.map((e, i) => ({ eventId: eventIdFor(options.commandId, i), eventType: e.type, eventData: e.data })),
            {
              aggregateType: this.decider.aggregateType,
              expectedVersion: loaded.version === 0 ? 'no_stream' : loaded.version,
              context: writeContextOf(),
            },
          );
          const state = events.reduce((s, e) => this.decider.evolve(s, e), loaded.state);
          this.committed(result, state);
          await this.maybeSnapshot(aggregateId, loaded.version, result.version, state);
          return { result, state, version: result.version, replayed: false };
        } catch (e) {
          if (e instanceof DuplicateEventError && e.eventId === eventIdFor(options.commandId, 0)) {
            // The same command ran elsewhere meanwhile (another instance, a redelivery): its events are the answer.
            const replayed = await this.alreadyApplied(options.commandId);
            if (replayed) {
              const after = await this.load(aggregateId);
              return { result: replayed, state: after.state, version: after.version, replayed: true };
            }
          }
          if (!(e instanceof WrongExpectedVersionError)) throw e;
          if (attempt >= maxAttempts) throw new ConcurrencyConflictError(aggregateId, loaded.version, e.actualVersion);
        }
      }
    });
  }

  /** The stored result of an earlier run of the same command (its first event's id is derived from the command id). */
  private async alreadyApplied(commandId: string): Promise<AppendResult | null> {
    try {
      const first = await this.store.getEvent(eventIdFor(commandId, 0), readScopeOf());
      const slice = await this.store.readStream(first.aggregateId, readScopeOf(), { fromVersion: first.version });
      const mine = slice.events.filter((e, i) => e.eventId === eventIdFor(commandId, i));
      return {
        aggregateId: first.aggregateId,
        fromVersion: first.version,
        version: mine[mine.length - 1].version,
        position: mine[mine.length - 1].position,
        events: mine,
      };
    } catch (e) {
      if (e instanceof EventNotFoundError) return null;
      throw e;
    }
  }

  private committed(result: AppendResult, state: S): void {
    try {
      this.options.afterCommit?.(result, state);
    } catch {
      // A hook is a notification: the append has happened whatever it does.
    }
  }

  private async maybeSnapshot(aggregateId: string, before: number, after: number, state: S): Promise<void> {
    const every = this.options.snapshotEvery;
    if (!every || Math.floor(after / every) === Math.floor(before / every)) return;
    // A snapshot is an optimisation: failing to write one never fails the command.
    await this.store
      .saveSnapshot(
        {
          aggregateId,
          aggregateType: this.decider.aggregateType,
          version: after,
          schemaVersion: this.options.stateSchemaVersion ?? 1,
          state,
        },
        readScopeOf(),
      )
      .catch(() => undefined);
  }
}
