import { DynamicModule, Inject, Injectable, Logger, Module, type ModuleMetadata, type OnApplicationShutdown } from '@nestjs/common';
import type { Client } from '@elastic/elasticsearch';
import { EVENT_STORE, type EventStore } from './event-store.port';
import { ElasticsearchEventStore } from './elasticsearch/es-event-store.adapter';
import type { EsEventStoreOptions } from './elasticsearch/es-options';
import { InMemoryEventStore } from './in-memory/in-memory-event-store.adapter';
import type { TelemetryRetention } from './telemetry-retention';
import type { Upcaster } from './upcasting';

export type EventStoreModuleOptions =
  | ({ backend: 'elasticsearch'; client: Client; indexPrefix: string } & Omit<EsEventStoreOptions, 'client' | 'indexPrefix' | 'logger'>)
  | { backend: 'in-memory'; upcasters?: Upcaster[]; telemetryRetention?: TelemetryRetention };

export const EVENT_STORE_OPTIONS = Symbol('EVENT_STORE_OPTIONS');

export interface EventStoreModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  inject?: (string | symbol | (abstract new (...args: never[]) => unknown))[];
  useFactory: (...args: never[]) => EventStoreModuleOptions | Promise<EventStoreModuleOptions>;
}

@Injectable()
class EventStoreLifecycle implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.store instanceof ElasticsearchEventStore) await this.store.close();
  }
}

function createStore(options: EventStoreModuleOptions): EventStore {
  if (options.backend === 'in-memory')
    return new InMemoryEventStore({ upcasters: options.upcasters, telemetryRetention: options.telemetryRetention });
  const logger = new Logger('EventStore');
  const { backend: _b, ...rest } = options;
  const store = new ElasticsearchEventStore({ ...rest, logger });
  // Set-up runs in the background: the service starts (not ready) even when Elasticsearch is down. It gives up only on
  // an events index laid out otherwise than configured (logged as an error; the store then stays unready).
  store.startSetupLoop().catch(() => undefined);
  return store;
}

/** The event store as a Nest module. Exports the EVENT_STORE token (readiness: `EventStore.isReady()`). */
@Module({})
export class EventStoreModule {
  static forRootAsync(options: EventStoreModuleAsyncOptions): DynamicModule {
    return {
      module: EventStoreModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        {
          provide: EVENT_STORE_OPTIONS,
          inject: options.inject ?? [],
          useFactory: options.useFactory as (...args: unknown[]) => EventStoreModuleOptions,
        },
        { provide: EVENT_STORE, inject: [EVENT_STORE_OPTIONS], useFactory: createStore },
        EventStoreLifecycle,
      ],
      exports: [EVENT_STORE],
    };
  }
}
