import { ProjectionError } from './projection.errors';

/** No such group in the caller's organization (or one it may not use): indistinguishable from an unknown name. */
export class ConsumerGroupNotFoundError extends ProjectionError {
  readonly code = 'CONSUMER_GROUP.NOT_FOUND';
  readonly httpStatus = 404;
  constructor(readonly group: string) {
    super(`No consumer group named ${group}`);
  }
}

export class SagaNotFoundError extends ProjectionError {
  readonly code = 'SAGA.NOT_FOUND';
  readonly httpStatus = 404;
  constructor(readonly saga: string) {
    super(`No saga named ${saga} is registered`);
  }
}

/** The event is not (or no longer) among the parked events kept for that saga or group. */
export class ParkedEventNotFoundError extends ProjectionError {
  readonly code = 'PARKED_EVENT.NOT_FOUND';
  readonly httpStatus = 404;
  constructor(
    readonly consumer: string,
    readonly eventId: string,
  ) {
    super(`Event ${eventId} is not parked in ${consumer}`);
  }
}
