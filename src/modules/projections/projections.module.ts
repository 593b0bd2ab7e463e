import { Inject, Module, Optional, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Client } from '@elastic/elasticsearch';
import { EVENT_STORE, type EventStore } from '@gyroscops/event-store';
import { ProjectionEngine, ProjectionsModule } from '@gyroscops/projections';
import { AppConfig } from '../../config/app-config';
import { ES_CLIENT } from '../../infrastructure/elasticsearch/elasticsearch.tokens';
import { StoreWakeUp } from '../events/store-wake-up';
import { ProjectionsController } from './projections.controller';
import { ProjectionsReadiness } from './projections.health';

/**
 * Projections and sagas in the service: the engine (global, for domain modules' `ProjectionsModule.forFeature`
 * and `ReadModels`), the admin endpoints, the readiness check, and the wake-up after each append.
 */
@Module({
  imports: [
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
  controllers: [ProjectionsController],
  providers: [ProjectionsReadiness],
})
export class ProjectionsAdminModule implements OnModuleInit, OnModuleDestroy {
  private unsubscribe: (() => void) | null = null;

  constructor(
    @Inject(ProjectionEngine) private readonly engine: ProjectionEngine,
    @Optional() private readonly wakeUp?: StoreWakeUp,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.wakeUp?.subscribe((position) => this.engine.notify(position)) ?? null;
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }
}
