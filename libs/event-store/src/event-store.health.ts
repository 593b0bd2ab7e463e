import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { EVENT_STORE, type EventStore } from './event-store.port';

/** Ready when Elasticsearch answers and the store's indices exist. */
@Injectable()
export class EventStoreHealthIndicator {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly health: HealthIndicatorService,
  ) {}

  async isHealthy(key = 'eventStore'): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    return (await this.store.isReady())
      ? indicator.up()
      : indicator.down({ message: 'Elasticsearch unreachable or event store indices not set up yet' });
  }
}
