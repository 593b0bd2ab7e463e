import { Inject, Logger, Module, Optional, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { Client } from '@elastic/elasticsearch';
import { EVENT_STORE, type EventStore } from '@gyroscops/event-store';
import { ConsumerGroups, ProjectionEngine, projectionsAutoStart } from '@gyroscops/projections';
import { AppConfig } from '../../config/app-config';
import { ES_CLIENT } from '../../infrastructure/elasticsearch/elasticsearch.tokens';
import { StoreWakeUp } from '../../infrastructure/event-store/store-wake-up';
import { ProjectionsEngineModule } from '../../infrastructure/projections/projections-engine.module';
import { AckDeliveriesHandler } from './commands/ack-deliveries/ack-deliveries.handler';
import { DeleteConsumerGroupHandler } from './commands/delete-consumer-group/delete-consumer-group.handler';
import { FetchDeliveriesHandler } from './commands/fetch-deliveries/fetch-deliveries.handler';
import { MoveConsumerGroupHandler } from './commands/move-consumer-group/move-consumer-group.handler';
import { NackDeliveriesHandler } from './commands/nack-deliveries/nack-deliveries.handler';
import { PutConsumerGroupHandler } from './commands/put-consumer-group/put-consumer-group.handler';
import { ReplayParkedEventHandler } from './commands/replay-parked-event/replay-parked-event.handler';
import { SkipParkedEventHandler } from './commands/skip-parked-event/skip-parked-event.handler';
import { ConsumerGroupsController } from './consumer-groups.controller';
import { LogController } from './log.controller';
import { GetConsumerGroupHandler } from './queries/get-consumer-group/get-consumer-group.handler';
import { ListConsumerGroupsHandler } from './queries/list-consumer-groups/list-consumer-groups.handler';
import { ListParkedEventsHandler } from './queries/list-parked-events/list-parked-events.handler';
import { ReadLogHandler } from './queries/read-log/read-log.handler';
import { SagasParkedController } from './sagas-parked.controller';
import { LogStreamHub } from './stream/log-stream.hub';

/**
 * Other services following the log: pages of the global log (GET /v1/log), a live tail over Server-Sent Events
 * (GET /v1/log/stream), durable consumer groups (/v1/consumer-groups), and the sagas' parked events (/v1/sagas).
 */
@Module({
  imports: [CqrsModule, ProjectionsEngineModule],
  controllers: [LogController, ConsumerGroupsController, SagasParkedController],
  providers: [
    LogStreamHub,
    {
      provide: ConsumerGroups,
      inject: [AppConfig, ES_CLIENT, EVENT_STORE, ProjectionEngine],
      useFactory: (config: AppConfig, client: Client, store: EventStore, engine: ProjectionEngine) =>
        new ConsumerGroups({
          client,
          store,
          indexPrefix: config.esIndexPrefix,
          numberOfReplicas: config.esNumberOfReplicas,
          timings: engine.timings,
          instanceId: engine.instanceId,
          logger: new Logger('ConsumerGroups'),
        }),
    },
    ReadLogHandler,
    GetConsumerGroupHandler,
    ListConsumerGroupsHandler,
    ListParkedEventsHandler,
    PutConsumerGroupHandler,
    DeleteConsumerGroupHandler,
    MoveConsumerGroupHandler,
    FetchDeliveriesHandler,
    AckDeliveriesHandler,
    NackDeliveriesHandler,
    ReplayParkedEventHandler,
    SkipParkedEventHandler,
  ],
})
export class LogModule implements OnApplicationBootstrap, OnModuleDestroy {
  private unsubscribe: (() => void) | null = null;

  constructor(
    @Inject(ConsumerGroups) private readonly groups: ConsumerGroups,
    private readonly hub: LogStreamHub,
    @Optional() private readonly wakeUp?: StoreWakeUp,
  ) {}

  onApplicationBootstrap(): void {
    this.unsubscribe =
      this.wakeUp?.subscribe(() => {
        this.hub.appended();
        this.groups.notify();
      }) ?? null;
    // Command-line tools boot the application without runners; so do consumer groups.
    if (projectionsAutoStart()) this.groups.start();
  }

  /** Before the Elasticsearch client closes: leases released, waiting fetches answered, streams ended. */
  async onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    await this.groups.stop();
  }
}
