import type { ExpectedVersion } from './event-store.port';

/** Base of every error the event store raises; `code` is stable and safe to show to clients. */
export abstract class EventStoreError extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class WrongExpectedVersionError extends EventStoreError {
  readonly code = 'WrongExpectedVersion';
  constructor(
    readonly aggregateId: string,
    readonly expectedVersion: ExpectedVersion,
    readonly actualVersion: number,
  ) {
    super(`Stream ${aggregateId} is at version ${actualVersion}, expected ${String(expectedVersion)}`);
  }
}

export class StreamNotFoundError extends EventStoreError {
  readonly code = 'StreamNotFound';
  constructor(readonly aggregateId: string) {
    super(`Stream ${aggregateId} not found`);
  }
}

/** The admin stream that records lifecycle changes cannot itself be deleted or given retention. Maps to HTTP 409. */
export class StreamProtectedError extends EventStoreError {
  readonly code = 'StreamProtected';
  constructor(readonly aggregateId: string) {
    super(`Stream ${aggregateId} records every deletion and retention change; it cannot be deleted, restored or truncated`);
  }
}

/** The stream was hard-deleted: it can never be written again. Maps to HTTP 410. */
export class StreamDeletedError extends EventStoreError {
  readonly code = 'StreamDeleted';
  constructor(readonly aggregateId: string) {
    super(`Stream ${aggregateId} is deleted and can never be written again`);
  }
}

export class EventNotFoundError extends EventStoreError {
  readonly code = 'EventNotFound';
  constructor(readonly eventId: string) {
    super(`Event ${eventId} not found`);
  }
}

/** Elasticsearch is unreachable, overloaded or refusing writes; nothing was acknowledged. Maps to HTTP 503. */
export class EventStoreUnavailableError extends EventStoreError {
  readonly code = 'EventStoreUnavailable';
  constructor(
    message: string,
    readonly cause?: unknown,
  ) {
    super(message);
  }
}

/**
 * The append may or may not have been stored: Elasticsearch stopped answering after the commit was sent and the
 * writer could not settle it before the append's deadline. Retrying with the same eventIds is safe (it is stored
 * once either way); retrying without them may store it twice. Maps to HTTP 503.
 */
export class AppendOutcomeUnknownError extends EventStoreError {
  readonly code = 'AppendOutcomeUnknown';
  constructor(
    readonly aggregateId: string,
    readonly cause?: unknown,
  ) {
    super(`The outcome of the append to ${aggregateId} is unknown: retry it with the same eventIds`);
  }
}

export class InvalidEventError extends EventStoreError {
  readonly code = 'InvalidEvent';
  constructor(
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** An eventId already stored at another position of some stream. */
export class DuplicateEventError extends EventStoreError {
  readonly code = 'DuplicateEvent';
  constructor(
    readonly eventId: string,
    readonly aggregateId: string,
    readonly version: number,
  ) {
    super(`Event ${eventId} is already stored at ${aggregateId}@${version}`);
  }
}

/** A query the store cannot run as asked (bad cursor, bad range). Maps to HTTP 400. */
export class InvalidQueryError extends EventStoreError {
  readonly code = 'InvalidQuery';
  constructor(
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
