import type { ReadScope } from '@gyroscops/event-store';
import type { Interval } from './domain/time-buckets';

/** Reads figures over the event history; every method is scoped to the caller (an admin sees all). */
export const ANALYTICS_READER = Symbol('ANALYTICS_READER');

/** Which events a figure counts. `from` and `to` are inclusive; absent means unbounded. */
export interface EventFilter {
  eventType?: string | string[];
  aggregateType?: string;
  from?: Date;
  to?: Date;
}

/** How many events match, and the time of the first and last (epoch ms; null when none). */
export interface Extent {
  count: number;
  first: number | null;
  last: number | null;
}

/** A time bucket: its start (epoch ms, in the requested zone's calendar) and its exact count. */
export interface CountBucket {
  start: number;
  count: number;
}

export interface KeyCount {
  key: string;
  count: number;
}

export interface EventStatisticsData {
  total: number;
  /** Hours and days holding at least one event. */
  byHour: CountBucket[];
  byDay: CountBucket[];
  /** Every organization and user, paged through: exact whatever their number. */
  byOrganization: KeyCount[];
  byUser: KeyCount[];
}

export interface MoneySum {
  count: number;
  /** Exact sum of integer minor units. */
  sumMinor: number;
}

export interface CurrencySeries extends MoneySum {
  currency: string;
  /** Every bucket of the range, empty ones with 0. */
  buckets: (MoneySum & { start: number })[];
}

export interface RefundFigures {
  currency: string;
  processed: MoneySum;
  refunded: MoneySum;
}

export interface BillingFigures {
  organizationId: string;
  /** The invoices' billing period, `YYYY-MM`. */
  period: string;
  currency: string;
  issued: MoneySum;
  voided: MoneySum;
  paid: MoneySum;
}

export interface DurationFigures {
  /** Events that recorded a duration. */
  count: number;
  avg: number | null;
  p50: number | null;
  p95: number | null;
}

export interface StepFigures {
  stepKind: string;
  completed: number;
  failed: number;
  /** Over completed steps. */
  durationMs: DurationFigures;
}

export interface WorkflowFigures {
  steps: StepFigures[];
  /** Completed workflows, start to completion. */
  workflows: { completed: number; durationMs: DurationFigures };
}

export interface AnalyticsReader {
  extent(filter: EventFilter, scope: ReadScope): Promise<Extent>;
  statistics(filter: EventFilter, scope: ReadScope, timeZone: string): Promise<EventStatisticsData>;
  /** Buckets from `filter.from` to `filter.to` (both set), empty ones included. */
  trends(filter: EventFilter, scope: ReadScope, interval: Interval, timeZone: string): Promise<CountBucket[]>;
  /** PaymentProcessed amounts per currency and bucket from `filter.from` to `filter.to` (both set). */
  paymentVolume(filter: EventFilter, scope: ReadScope, interval: Interval, timeZone: string): Promise<CurrencySeries[]>;
  refunds(filter: EventFilter, scope: ReadScope): Promise<RefundFigures[]>;
  billingTotals(filter: EventFilter, scope: ReadScope): Promise<BillingFigures[]>;
  workflowSteps(filter: EventFilter, scope: ReadScope): Promise<WorkflowFigures>;
}
