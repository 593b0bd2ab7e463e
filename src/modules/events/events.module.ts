import { Module } from '@nestjs/common';
import { EventStoreWiringModule } from '../../infrastructure/event-store/event-store-wiring.module';
import { EventsController } from './events.controller';
import { StreamLifecycleController } from './stream-lifecycle.controller';

/** The store over HTTP: appends, reads and searches of events, and stream lifecycle (delete, restore, retention). */
@Module({
  imports: [EventStoreWiringModule],
  controllers: [EventsController, StreamLifecycleController],
})
export class EventsModule {}
