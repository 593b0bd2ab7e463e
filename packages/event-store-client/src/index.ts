export { EventStoreClient, type EventStoreClientOptions, type RetryOptions, type FetchFunction } from './client';
export { LogSubscription, type FollowLogOptions } from './log-subscription';
export type { ConsumeOptions, ConsumeStats } from './consumer';
export type { BackoffOptions } from './backoff';
export {
  EventStoreClientError,
  ValidationError,
  UnauthorizedError,
  ForbiddenError,
  NotFoundError,
  ConflictError,
  WrongExpectedVersionError,
  StreamDeletedError,
  RateLimitedError,
  UnavailableError,
  OutcomeUnknownError,
  NetworkError,
  ServerError,
} from './errors';
export type * from './types';
