import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../auth/access.decorators';
import { EventPageDto } from '../../common/dto/events.dto';
import { ApiErrors } from '../../common/openapi/api-errors.decorator';
import {
  BUCKET_LIMIT_DESCRIPTION,
  CorrelationIdParam,
  CorrelationTreeDto,
  EventFilterDto,
  IntervalDto,
  PaymentVolumeDto,
  SearchEventDataDto,
  TimeWindowDto,
} from './analytics.dto';
import { BillingTotalsQuery, type BillingTotals } from './queries/billing-totals/billing-totals.query';
import { CorrelationTreeQuery, MAX_CORRELATION_EVENTS, type CorrelationTree } from './queries/correlation-tree/correlation-tree.query';
import { EventStatisticsQuery, type EventStatistics } from './queries/event-statistics/event-statistics.query';
import { EventTrendsQuery, type EventTrends } from './queries/event-trends/event-trends.query';
import { PaymentVolumeQuery, type PaymentVolume } from './queries/payment-volume/payment-volume.query';
import { RefundRatioQuery, type RefundRatio } from './queries/refund-ratio/refund-ratio.query';
import { SearchEventDataQuery, type EventDataPage } from './queries/search-event-data/search-event-data.query';
import { WorkflowStepFiguresQuery, type WorkflowStepFigures } from './queries/workflow-step-figures/workflow-step-figures.query';

const TOO_MANY_BUCKETS = { 400: 'ValidationError, or ANALYTICS.TOO_MANY_BUCKETS (with buckets and limit in details)' };
const SUM_NOT_EXACT = { 422: 'ANALYTICS.SUM_NOT_EXACT: a sum of minor units past 2^53 cannot be answered exactly' };

/** Figures over the event history from Elasticsearch aggregations: exact, and scoped to the caller's organization (admins see all). */
@ApiTags('analytics')
@Controller('v1/analytics')
export class AnalyticsController {
  constructor(private readonly queries: QueryBus) {}

  @Get('events/statistics')
  @Roles('reader')
  @ApiOperation({
    summary: 'Event counts: total, per hour, per day (hours and days holding events), per organization and per user (exact)',
    description: `Hourly series decide the bucket limit. ${BUCKET_LIMIT_DESCRIPTION}`,
  })
  @ApiErrors(TOO_MANY_BUCKETS)
  @ApiOkResponse({
    schema: {
      example: {
        total: 3,
        byHour: { '2024-12-19T10:00:00Z': 2, '2024-12-19T11:00:00Z': 1 },
        byDay: { '2024-12-19': 3 },
        byOrganization: { 'org-1': 3 },
        byUser: { 'user-1': 2, 'user-2': 1 },
      },
    },
  })
  statistics(@Query() q: EventFilterDto): Promise<EventStatistics> {
    return this.queries.execute(new EventStatisticsQuery({ ...q }));
  }

  @Get('events/trends')
  @Roles('reader')
  @ApiOperation({
    summary: 'Event counts per hour, day, ISO week (2024-W51) or month (2024-12), in order, empty buckets with 0',
    description: BUCKET_LIMIT_DESCRIPTION,
  })
  @ApiErrors(TOO_MANY_BUCKETS)
  @ApiOkResponse({ schema: { example: { interval: 'week', trends: { '2024-W50': 4, '2024-W51': 0, '2024-W52': 7 } } } })
  trends(@Query() q: IntervalDto): Promise<EventTrends> {
    return this.queries.execute(new EventTrendsQuery({ ...q }));
  }

  @Get('correlations/:correlationId')
  @Roles('reader')
  @ApiOperation({
    summary: "A correlation's events with their causation tree",
    description:
      `Nodes oldest first, each with its event, causedBy (the event of the correlation that caused it, null for roots) and ` +
      `children (event ids). Roots are events caused by nothing of the correlation, e.g. by a command. At most ` +
      `${MAX_CORRELATION_EVENTS} events (truncated says when there were more).`,
  })
  @ApiOkResponse({ type: CorrelationTreeDto })
  @ApiErrors({ 404: 'ANALYTICS.CORRELATION_NOT_FOUND: no event of the correlation visible to the caller' })
  correlation(@Param() { correlationId }: CorrelationIdParam): Promise<CorrelationTree> {
    return this.queries.execute(new CorrelationTreeQuery(correlationId));
  }

  @Get('search')
  @Roles('reader')
  @ApiOperation({ summary: 'Search event data: free text and filters, newest first, cursor paging past 10,000 hits' })
  @ApiOkResponse({ type: EventPageDto })
  search(@Query() q: SearchEventDataDto): Promise<EventDataPage> {
    return this.queries.execute(new SearchEventDataQuery({ ...q }));
  }

  @Get('payments/volume')
  @Roles('reader')
  @ApiOperation({
    summary: 'Processed payment volume per currency and bucket: exact sums of minor units, formatted with the currency exponent',
    description: BUCKET_LIMIT_DESCRIPTION,
  })
  @ApiErrors({ ...TOO_MANY_BUCKETS, ...SUM_NOT_EXACT })
  @ApiOkResponse({
    schema: {
      example: {
        interval: 'day',
        currencies: {
          EUR: {
            payments: 2,
            volume: '150.50',
            volumeMinor: 15050,
            series: { '2024-12-19': { payments: 2, volume: '150.50', volumeMinor: 15050 } },
          },
        },
      },
    },
  })
  paymentVolume(@Query() q: PaymentVolumeDto): Promise<PaymentVolume> {
    return this.queries.execute(new PaymentVolumeQuery({ ...q }));
  }

  @Get('payments/refund-ratio')
  @Roles('reader')
  @ApiOperation({ summary: 'Refunded over paid amounts per currency (exact sums; ratio to 6 decimals)' })
  @ApiErrors(SUM_NOT_EXACT)
  @ApiOkResponse({
    schema: {
      example: {
        currencies: {
          EUR: { payments: 4, paid: '200.00', paidMinor: 20000, refunds: 1, refunded: '50.00', refundedMinor: 5000, ratio: 0.25 },
        },
      },
    },
  })
  refundRatio(@Query() q: TimeWindowDto): Promise<RefundRatio> {
    return this.queries.execute(new RefundRatioQuery({ ...q }));
  }

  @Get('billing/totals')
  @Roles('reader')
  @ApiOperation({
    summary: 'Invoice totals per organization, billing period (month) and currency: issued, voided after issue, net, paid',
    description: 'The month is the invoices’ billing period; from/to select events by when they were recorded.',
  })
  @ApiErrors(SUM_NOT_EXACT)
  @ApiOkResponse({
    schema: {
      example: {
        organizations: {
          'org-1': {
            '2024-12': {
              EUR: {
                issued: { invoices: 2, amount: '300.00', amountMinor: 30000 },
                voided: { invoices: 0, amount: '0.00', amountMinor: 0 },
                net: { amount: '300.00', amountMinor: 30000 },
                paid: { payments: 1, amount: '100.00', amountMinor: 10000 },
              },
            },
          },
        },
      },
    },
  })
  billingTotals(@Query() q: TimeWindowDto): Promise<BillingTotals> {
    return this.queries.execute(new BillingTotalsQuery({ ...q }));
  }

  @Get('workflows/steps')
  @Roles('reader')
  @ApiOperation({
    summary: 'Per step kind: completed and failed steps, failure rate, and duration average, p50 and p95 of completed steps',
  })
  @ApiOkResponse({
    schema: {
      example: {
        stepKinds: {
          provision: { steps: 10, completed: 9, failed: 1, failureRate: 0.1, durationMs: { count: 9, avg: 1200, p50: 1100, p95: 2500 } },
        },
      },
    },
  })
  workflowSteps(@Query() q: TimeWindowDto): Promise<WorkflowStepFigures> {
    return this.queries.execute(new WorkflowStepFiguresQuery({ ...q }));
  }
}
