import { Global, Inject, Module, type OnModuleInit } from '@nestjs/common';
import { EVENT_STORE, EventStoreModule, type EventStore, type StoreObserver } from '@gyroscops/event-store';
import type { Client } from '@elastic/elasticsearch';
import { AppConfig } from '../../config/app-config';
import { ES_CLIENT } from '../../infrastructure/elasticsearch/elasticsearch.tokens';
import { ReadinessRegistry } from '../../health/readiness.registry';
import { SEARCH_FIELDS } from '../../search-fields';
import { STORE_OBSERVER } from '../../observability/observability.module';
import { EventsController } from './events.controller';
import { StoreWakeUp } from './store-wake-up';
import { StreamLifecycleController } from './stream-lifecycle.controller';

@Global()
@Module({
  imports: [
    EventStoreModule.forRootAsync({
      inject: [AppConfig, ES_CLIENT, STORE_OBSERVER],
      useFactory: (config: AppConfig, client: Client, observer: StoreObserver) => ({
        backend: 'elasticsearch' as const,
        client,
        indexPrefix: config.esIndexPrefix,
        numberOfReplicas: config.esNumberOfReplicas,
        searchFields: SEARCH_FIELDS,
        appendTimeoutMs: config.appendTimeoutMs,
        observer,
      }),
    }),
  ],
  controllers: [EventsController, StreamLifecycleController],
  providers: [StoreWakeUp],
  exports: [StoreWakeUp],
})
export class EventsModule implements OnModuleInit {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly readiness: ReadinessRegistry,
  ) {}

  onModuleInit(): void {
    this.readiness.register('eventStore', async () => {
      const up = await this.store.isReady();
      return up ? { up } : { up, details: { message: 'event store indices not set up yet or Elasticsearch unreachable' } };
    });
  }
}
