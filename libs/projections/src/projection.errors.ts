/** Base of the errors this library raises; `code` is stable and `httpStatus` tells the HTTP layer how to answer. */
export abstract class ProjectionError extends Error {
  abstract readonly code: string;
  abstract readonly httpStatus: number;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The projection did not reach the position in time (Marten's "wait for non-stale data"). */
export class ProjectionStaleError extends ProjectionError {
  readonly code = 'PROJECTION.STALE';
  readonly httpStatus = 504;
  readonly details: { projection: string; minPosition: number; position: number; timeoutMs: number };
  constructor(projection: string, minPosition: number, position: number, timeoutMs: number) {
    super(`Projection ${projection} has not reached position ${minPosition} within ${timeoutMs} ms (it is at ${position}); retry later`);
    this.details = { projection, minPosition, position, timeoutMs };
  }
}

/** The projection is stopped on an event it cannot apply: it will not reach the position until fixed. */
export class ProjectionFailedError extends ProjectionError {
  readonly code = 'PROJECTION.FAILED';
  readonly httpStatus = 503;
  readonly details: { projection: string; failedPosition: number | null };
  constructor(projection: string, failedPosition: number | null, reason: string | null) {
    super(`Projection ${projection} is stopped at position ${failedPosition ?? '?'}: ${reason ?? 'unknown error'}`);
    this.details = { projection, failedPosition };
  }
}

export class ProjectionNotFoundError extends ProjectionError {
  readonly code = 'PROJECTION.NOT_FOUND';
  readonly httpStatus = 404;
  constructor(readonly projection: string) {
    super(`No projection named ${projection} is registered`);
  }
}

export class InvalidMinPositionError extends ProjectionError {
  readonly code = 'PROJECTION.INVALID_MIN_POSITION';
  readonly httpStatus = 400;
  constructor(value: unknown) {
    super(`minPosition must be a non-negative integer (got ${JSON.stringify(String(value)).slice(0, 40)})`);
  }
}

/** A read-model query the store cannot run as asked (e.g. paging past 10,000 results). */
export class InvalidReadModelQueryError extends ProjectionError {
  readonly code = 'PROJECTION.INVALID_QUERY';
  readonly httpStatus = 400;
}

export class RebuildFailedError extends ProjectionError {
  readonly code = 'PROJECTION.REBUILD_FAILED';
  readonly httpStatus = 500;
  constructor(projection: string, reason: string) {
    super(`Rebuild of ${projection} failed: ${reason}`);
  }
}

/** Raised inside a runner that lost its lease: it must stop writing at once. */
export class LeaseLostError extends Error {
  constructor(readonly stateId: string) {
    super(`lease on ${stateId} lost`);
    this.name = 'LeaseLostError';
  }
}
