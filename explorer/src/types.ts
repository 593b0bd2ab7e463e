/**
 * The API's answers, typed by the service's own DTOs and query results (type-only imports: nothing of the server is
 * bundled). When a DTO changes, `npm run typecheck` checks the explorer against it.
 */
export type {
  EventEnvelopeDto as StoredEvent,
  EventPageDto as EventPage,
  EventListDto as EventList,
} from '../../src/common/dto/events.dto';
export type { CorrelationTree } from '../../src/modules/analytics/queries/correlation-tree/correlation-tree.query';
export type { EventStatistics } from '../../src/modules/analytics/queries/event-statistics/event-statistics.query';
export type { EventTrends } from '../../src/modules/analytics/queries/event-trends/event-trends.query';
export type { PaymentVolume } from '../../src/modules/analytics/queries/payment-volume/payment-volume.query';
export type { RefundRatio } from '../../src/modules/analytics/queries/refund-ratio/refund-ratio.query';
export type { BillingTotals } from '../../src/modules/analytics/queries/billing-totals/billing-totals.query';
export type { WorkflowStepFigures } from '../../src/modules/analytics/queries/workflow-step-figures/workflow-step-figures.query';
export type { ProjectionStatusDto as ProjectionStatus } from '../../src/modules/projections/projections.dto';

export type { StreamDto as StreamSlice } from '../../src/modules/events/events.dto';
export type { WhoAmIDto as Caller } from '../../src/auth/whoami.controller';

/** The replay endpoints answer the aggregate's state plus the version it was rebuilt to. */
export type ReplayState = Record<string, unknown> & { version: number };

/** Every error answer of the API. */
export interface ErrorBody {
  error: string;
  message: string;
  details?: unknown;
}
