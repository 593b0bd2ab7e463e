import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { Client } from '@elastic/elasticsearch';
import { indexNames } from '@gyroscops/event-store/elasticsearch';
import { AppConfig } from '../../config/app-config';
import { ES_CLIENT } from '../../infrastructure/elasticsearch/elasticsearch.tokens';
import { AnalyticsController } from './analytics.controller';
import { ANALYTICS_READER } from './analytics.port';
import { ElasticsearchAnalyticsReader } from './infrastructure/es-analytics.adapter';
import { BillingTotalsHandler } from './queries/billing-totals/billing-totals.handler';
import { CorrelationTreeHandler } from './queries/correlation-tree/correlation-tree.handler';
import { EventStatisticsHandler } from './queries/event-statistics/event-statistics.handler';
import { EventTrendsHandler } from './queries/event-trends/event-trends.handler';
import { PaymentVolumeHandler } from './queries/payment-volume/payment-volume.handler';
import { RefundRatioHandler } from './queries/refund-ratio/refund-ratio.handler';
import { SearchEventDataHandler } from './queries/search-event-data/search-event-data.handler';
import { WorkflowStepFiguresHandler } from './queries/workflow-step-figures/workflow-step-figures.handler';

/** Temporal analytics over the event history, from Elasticsearch aggregations over the event store's events index. */
@Module({
  imports: [CqrsModule],
  controllers: [AnalyticsController],
  providers: [
    {
      provide: ANALYTICS_READER,
      inject: [ES_CLIENT, AppConfig],
      useFactory: (client: Client, config: AppConfig) =>
        new ElasticsearchAnalyticsReader(client, indexNames(config.esIndexPrefix).events, {
          telemetryRetention: config.telemetryRetention,
          eventsIndex: config.eventsIndex,
        }),
    },
    EventStatisticsHandler,
    EventTrendsHandler,
    CorrelationTreeHandler,
    SearchEventDataHandler,
    PaymentVolumeHandler,
    RefundRatioHandler,
    BillingTotalsHandler,
    WorkflowStepFiguresHandler,
  ],
})
export class AnalyticsModule {}
