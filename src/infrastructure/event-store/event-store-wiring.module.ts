import { Global, Inject, Module, type OnModuleInit } from '@nestjs/common';
import type { Client } from '@elastic/elasticsearch';
import { EVENT_STORE, EventStoreModule, type EventStore, type StoreObserver } from '@gyroscops/event-store';
import { AppConfig } from '../../config/app-config';
import { ReadinessRegistry } from '../../health/readiness.registry';
import { STORE_OBSERVER } from '../../observability/observability.module';
import { SEARCH_FIELDS } from '../../search-fields';
import { ES_CLIENT } from '../elasticsearch/elasticsearch.tokens';
import { StoreWakeUp } from './store-wake-up';

/**
 * The service's one event store (global EVENT_STORE on Elasticsearch, from the configuration), its readiness check,
 * and the in-process wake-up its consumers listen to. Modules that append or follow the log import it.
 */
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
        telemetryRetention: config.telemetryRetention,
        eventsIndex: config.eventsIndex,
        observer,
      }),
    }),
  ],
  providers: [StoreWakeUp],
  exports: [StoreWakeUp],
})
export class EventStoreWiringModule implements OnModuleInit {
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
