import { Inject, Module, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Client } from '@elastic/elasticsearch';
import { EVENT_STORE, type EventStore } from '@gyroscops/event-store';
import { ProjectionEngine, ProjectionsModule } from '@gyroscops/projections';
import { AppConfig } from '../../config/app-config';
import { ES_CLIENT } from '../elasticsearch/elasticsearch.tokens';
import { EventStoreWiringModule } from '../event-store/event-store-wiring.module';
import { StoreWakeUp } from '../event-store/store-wake-up';

/**
 * The projections engine of the service (global, for domain modules' `ProjectionsModule.forFeature` and
 * `ReadModels`), woken after each append. Nest keeps one instance however many modules import it.
 */
@Module({
  imports: [
    EventStoreWiringModule,
    ProjectionsModule.forRootAsync({
      inject: [AppConfig, ES_CLIENT, EVENT_STORE],
      useFactory: (config: AppConfig, client: Client, store: EventStore) => ({
        client,
        store,
        indexPrefix: config.esIndexPrefix,
        numberOfReplicas: config.esNumberOfReplicas,
      }),
    }),
  ],
})
export class ProjectionsEngineModule implements OnModuleInit, OnModuleDestroy {
  private unsubscribe: (() => void) | null = null;

  constructor(
    @Inject(ProjectionEngine) private readonly engine: ProjectionEngine,
    private readonly wakeUp: StoreWakeUp,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.wakeUp.subscribe((position) => this.engine.notify(position));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }
}
