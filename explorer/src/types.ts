/**
 * The API's answers, typed by the service's own DTOs and query results (type-only imports: nothing of the server is
 * bundled). When one of them changes, `npm run typecheck` checks the explorer against it.
 */
import type { StreamDto } from '../../src/modules/events/events.dto';

export type { StreamDto as StreamSlice, SearchEventsQuery } from '../../src/modules/events/events.dto';
export type { EventDataPage as EventPage } from '../../src/modules/analytics/queries/search-event-data/search-event-data.query';
export type { CorrelationTree } from '../../src/modules/analytics/queries/correlation-tree/correlation-tree.query';
export type { EventStatistics } from '../../src/modules/analytics/queries/event-statistics/event-statistics.query';
export type { EventTrends } from '../../src/modules/analytics/queries/event-trends/event-trends.query';
export type { PaymentVolume } from '../../src/modules/analytics/queries/payment-volume/payment-volume.query';
export type { RefundRatio } from '../../src/modules/analytics/queries/refund-ratio/refund-ratio.query';
export type { BillingTotals } from '../../src/modules/analytics/queries/billing-totals/billing-totals.query';
export type { WorkflowStepFigures } from '../../src/modules/analytics/queries/workflow-step-figures/workflow-step-figures.query';
export type { ProjectionStatusDto as ProjectionStatus } from '../../src/modules/projections/projections.dto';
export type { WhoAmIDto as Caller } from '../../src/auth/whoami.controller';

/** An event as every read endpoint answers it. */
export type StoredEvent = StreamDto['events'][number];

/** The replay endpoints answer the aggregate's state plus the version it was rebuilt to. */
export type ReplayState = Record<string, unknown> & { version: number };

/** Every error answer of the API. */
export interface ErrorBody {
  error: string;
  message: string;
  details?: unknown;
}

/** A consumer group's status (GET /v1/consumer-groups), the fields the explorer shows. */
export interface ConsumerGroupStatus {
  name: string;
  organizationId: string;
  state: string;
  position: number;
  headPosition: number;
  lag: number;
  pending: number;
  inFlight: number;
  retrying: number;
  parkedCount: number;
  acked: number;
  nacked: number;
  consumers: { consumer: string; lastSeenAt: string; inFlight: number }[];
}

/** A parked event (sagas' and consumer groups' parked lists). */
export interface ParkedEvent {
  eventId: string;
  eventType: string;
  aggregateId: string;
  position: number;
  error: string;
  attempts: number;
  parkedAt: string;
}
