export type { ProjectionDefinition, SagaDefinition, SagaHandlerContext } from './projection.definition';
export {
  ProjectionError,
  ProjectionStaleError,
  ProjectionFailedError,
  ProjectionNotFoundError,
  InvalidMinPositionError,
  InvalidReadModelQueryError,
  RebuildFailedError,
} from './projection.errors';
export { ProjectionRegistry } from './projection.registry';
export {
  ProjectionEngine,
  type ProjectionEngineOptions,
  type ProjectionStatus,
  type RebuildProgress,
  type RebuildOptions,
  type SagaParked,
} from './projection-engine';
export type { ConsumerKind, ConsumerState, ParkedEvent, RebuildRecord } from './consumer-state';
export { ReadModels, type ReadModelQuery, type ReadModelPage, type ReadModelReadOptions, type FilterValue } from './read-models';
export { readModelAlias } from './read-model-index';
export type { BulkSender } from './read-model-index';
export type { ProjectionLogger, ProjectionFaults } from './runner-env';
export { DEFAULT_TIMINGS, type ProjectionTimings } from './timings';
export { sagaRequestContext, sagaHandlerContext, runSagaReaction } from './saga-runner';
export {
  MinPosition,
  MinPositionQuery,
  ApiMinPosition,
  parseMinPosition,
  minPositionOf,
  MIN_POSITION_HEADER,
  MIN_POSITION_QUERY,
} from './min-position';
export { lagReport, type LagReport } from './lag';
export {
  ProjectionsModule,
  ProjectionsFeatureModule,
  PROJECTIONS_OPTIONS,
  overrideProjectionsAutoStart,
  projectionsAutoStart,
  type ProjectionsModuleOptions,
  type ProjectionsModuleAsyncOptions,
  type ProjectionsFeature,
} from './projections.module';
export {
  aggregateProjection,
  aggregateSummary,
  type AggregateDocument,
  type AggregateDocumentMeta,
  type AggregateProjectionOptions,
  type AggregateSummary,
} from './aggregate-projection';
export { logEventMatcher, readFilteredLog, type LogFilter, type FilteredReadOptions } from './log-filter';
export {
  ConsumerGroups,
  groupRef,
  GROUP_NAME_PATTERN,
  CONSUMER_NAME_PATTERN,
  type ConsumerGroupsOptions,
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
} from './consumer-groups';
export { DEFAULT_GROUP_SETTINGS, GROUP_WINDOW, type ConsumerGroupSettings } from './consumer-group.state';
export { ConsumerGroupNotFoundError, SagaNotFoundError, ParkedEventNotFoundError } from './consumer-group.errors';
