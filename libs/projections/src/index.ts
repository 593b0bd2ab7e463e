export type { ProjectionDefinition, SagaDefinition, SagaHandlerContext } from './projection.definition';
export { ProjectionEngine, type ProjectionEngineOptions } from './projection-engine';
export type { ProjectionStatus, RebuildProgress } from './projection-status';
export type { ParkedEvent } from './consumer-state';
export { ReadModels, type FilterValue } from './read-models';
export { readModelAlias } from './read-model-index';
export type { ProjectionTimings } from './timings';
export { runSagaReaction } from './saga-runner';
export { MinPosition, ApiMinPosition, MIN_POSITION_HEADER, MIN_POSITION_QUERY } from './min-position';
export { lagReport } from './lag';
export { ProjectionsModule, overrideProjectionsAutoStart, projectionsAutoStart } from './projections.module';
export { aggregateProjection, aggregateSummary, type AggregateDocument, type AggregateSummary } from './aggregate-projection';
export { logEventMatcher, readFilteredLog, type LogFilter } from './log-filter';
export { ConsumerGroups } from './consumer-groups';
export {
  groupRef,
  GROUP_NAME_PATTERN,
  CONSUMER_NAME_PATTERN,
  type ConsumerGroupSpec,
  type ConsumerGroupStatus,
  type GroupCaller,
  type GroupRef,
  type GroupDelivery,
  type FetchOptions,
  type AckOutcome,
  type NackOutcome,
  type ParkedList,
  type StartFrom,
} from './consumer-group.api';
