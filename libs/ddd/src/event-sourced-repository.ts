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
  type StreamSlice,
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
    if (this.options.snapshotEvery && !replaying) {
      const snap = await this.store.loadSnapshot<S>(aggregateId, scope);
      if (snap && snap.aggregateType === this.decider.aggregateType && snap.schemaVersion === (this.options.stateSchemaVersion ?? 1)) {
        const loaded = await this.fold(aggregateId, scope, opts, snap.state, snap.version);
        if (loaded) return loaded;
        // The stream is no longer the one the snapshot was taken of (soft-deleted, perhaps recreated; another
        // aggregate's; versions after it hidden): loaded as if there were no snapshot, so snapshots never change an answer.
      }
    }
    return (
      (await this.fold(aggregateId, scope, opts, this.decider.initialState(), 0)) ?? { state: this.decider.initialState(), version: 0 }
    );
  }

  /**
   * `state` as of `version` with the stream's events after it folded in; null when the stream is not found (or holds
   * another aggregate type's events), or when `version` > 0 (a snapshot's) and the stream does not go on from it.
   */
  private async fold(aggregateId: string, scope: ReadScope, opts: LoadOptions, state: S, version: number): Promise<Loaded<S> | null> {
    let slice: StreamSlice;
    try {
      slice = await this.store.readStream(aggregateId, scope, { fromVersion: version + 1, toVersion: opts.toVersion });
    } catch (e) {
      if (e instanceof StreamNotFoundError) return null;
      throw e;
    }
    if (slice.aggregateType !== this.decider.aggregateType) return null;
    if (version > 0 && (slice.events.length > 0 ? slice.events[0].version !== version + 1 : slice.version !== version)) return null;
    let lastEvent: StoredEvent | undefined;
    for (const e of slice.events) {
      if (opts.at && Date.parse(e.timestamp) > opts.at.getTime()) break;
      state = this.decider.evolve(state, { type: e.eventType, data: e.eventData } as E);
      version = e.version;
      lastEvent = e;
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
      const replayed = await this.replayOf(aggregateId, options.commandId);
      if (replayed) return replayed;
      for (let attempt = 1; ; attempt++) {
        const loaded = await this.load(aggregateId);
        let events: E[];
        try {
          events = this.decider.decide(command, loaded.state);
        } catch (e) {
          // A refusal may come from this very command's events: its first run (another instance, the client's first
          // try) committed after the check above and before the load. Then its stored result is the answer.
          const stored = await this.replayOf(aggregateId, options.commandId);
          if (stored) return stored;
          throw e;
        }
        if (events.length === 0) {
          // Likewise, a decider that ignores what it has already taken into account decides nothing after that run.
          const stored = await this.replayOf(aggregateId, options.commandId);
          if (stored) return stored;
          return { result: null, state: loaded.state, version: loaded.version, replayed: false };
        }
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
          // The events as stored: when another run of the command stored them first (the store answers an idempotent
          // retry with them), they are that run's decision, which may differ from this one's.
          const folded: E[] =
            result.events?.length > 0 ? result.events.map((e) => ({ type: e.eventType, data: e.eventData }) as E) : events;
          const state = folded.reduce((s, e) => this.decider.evolve(s, e), loaded.state);
          this.committed(result, state);
          await this.maybeSnapshot(aggregateId, loaded.version, result.version, state);
          return { result, state, version: result.version, replayed: false };
        } catch (e) {
          if (e instanceof DuplicateEventError && e.eventId === eventIdFor(options.commandId, 0)) {
            // The same command ran elsewhere meanwhile (another instance, a redelivery): its events are the answer.
            const stored = await this.replayOf(aggregateId, options.commandId);
            if (stored) return stored;
          }
          if (!(e instanceof WrongExpectedVersionError)) throw e;
          if (attempt >= maxAttempts) throw new ConcurrencyConflictError(aggregateId, loaded.version, e.actualVersion);
        }
      }
    });
  }

  /** The answer to a command already applied: its stored events, and the aggregate as it is now; null if not applied. */
  private async replayOf(aggregateId: string, commandId: string): Promise<ExecuteResult<S> | null> {
    const result = await this.alreadyApplied(commandId);
    if (!result) return null;
    const loaded = await this.load(aggregateId);
    return { result, state: loaded.state, version: loaded.version, replayed: true };
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
