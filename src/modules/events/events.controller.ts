import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { EVENT_STORE, type EventStore } from '@gyroscops/event-store';
import { readScopeOf, writeContextOf } from '@gyroscops/ddd';
import { Roles } from '../../auth/access.decorators';
import { StoreWakeUp } from './store-wake-up';
import {
  AggregateIdParam,
  AppendEventsDto,
  AppendResultDto,
  CorrelationIdParam,
  EventEnvelopeDto,
  EventIdParam,
  EventListDto,
  EventPageDto,
  ReadStreamQuery,
  SearchEventsQuery,
  StreamDto,
} from './events.dto';

@ApiTags('events')
@ApiServiceUnavailableResponse({ description: 'Elasticsearch unavailable (EventStoreUnavailable); nothing was recorded' })
@Controller('v1')
export class EventsController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly wakeUp: StoreWakeUp,
  ) {}

  @Post('aggregates/:aggregateId/events')
  @HttpCode(201)
  @Roles('writer')
  @ApiOperation({ summary: "Append events to an aggregate's stream (optimistic concurrency, atomic, idempotent by eventId)" })
  @ApiCreatedResponse({ type: AppendResultDto })
  @ApiConflictResponse({ description: 'WrongExpectedVersion { expectedVersion, actualVersion } or DuplicateEvent' })
  async append(@Param() { aggregateId }: AggregateIdParam, @Body() body: AppendEventsDto): Promise<AppendResultDto> {
    const r = await this.store.appendToStream(
      aggregateId,
      body.events.map((e) => ({
        eventId: e.eventId,
        eventType: e.eventType,
        eventData: e.eventData,
        metadata: e.metadata,
        schemaVersion: e.schemaVersion,
      })),
      { aggregateType: body.aggregateType, expectedVersion: body.expectedVersion, context: writeContextOf() },
    );
    this.wakeUp.appended(r.position);
    return { aggregateId: r.aggregateId, fromVersion: r.fromVersion, version: r.version, position: r.position };
  }

  @Get('aggregates/:aggregateId/events')
  @Roles('reader')
  @ApiOperation({ summary: "Read an aggregate's stream (sees every acknowledged write at once)" })
  @ApiOkResponse({ type: StreamDto })
  @ApiNotFoundResponse({ description: 'StreamNotFound (unknown, or another organization’s)' })
  async readStream(@Param() { aggregateId }: AggregateIdParam, @Query() q: ReadStreamQuery): Promise<StreamDto> {
    const slice = await this.store.readStream(aggregateId, readScopeOf(), {
      fromVersion: q.fromVersion,
      maxCount: q.maxCount ?? 1000,
      direction: q.direction,
    });
    return { aggregateId: slice.aggregateId, aggregateType: slice.aggregateType, version: slice.version, events: slice.events };
  }

  @Get('events')
  @Roles('reader')
  @ApiOperation({ summary: 'Search the event history (newest first by default; cursor paging goes past 10,000 hits)' })
  @ApiOkResponse({ type: EventPageDto })
  async search(@Query() q: SearchEventsQuery): Promise<EventPageDto> {
    return this.store.search(
      {
        eventType: q.eventType,
        aggregateType: q.aggregateType,
        aggregateId: q.aggregateId,
        correlationId: q.correlationId,
        causationId: q.causationId,
        userId: q.userId,
        organizationId: q.organizationId,
        q: q.q,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
        size: q.size,
        cursor: q.cursor,
        sort: q.sort,
      },
      readScopeOf(),
    );
  }

  @Get('events/:eventId')
  @Roles('reader')
  @ApiOkResponse({ type: EventEnvelopeDto })
  @ApiNotFoundResponse({ description: 'EventNotFound' })
  async getEvent(@Param() { eventId }: EventIdParam): Promise<EventEnvelopeDto> {
    return this.store.getEvent(eventId, readScopeOf());
  }

  @Get('correlations/:correlationId/events')
  @Roles('reader')
  @ApiOperation({ summary: "A correlation's events, oldest first: one timeline across aggregates and modules" })
  @ApiOkResponse({ type: EventListDto })
  async correlation(@Param() { correlationId }: CorrelationIdParam): Promise<EventListDto> {
    return { events: await this.store.readCorrelation(correlationId, readScopeOf()) };
  }
}
