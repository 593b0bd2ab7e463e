import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, type EventStore } from '@gyroscops/event-store';
import { eventIdFor, readScopeOf, writeContextOf } from '@gyroscops/ddd';
import { Roles } from '../../auth/access.decorators';
import { ApiIdempotencyKey, IdempotentCommandId } from '../../common/commands/command-id';
import { ApiErrors } from '../../common/openapi/api-errors.decorator';
import { WrongExpectedVersionErrorDto } from '../../common/openapi/error-response.dto';
import { timeRangeOf } from '../../common/time/time-bound';
import { EventEnvelopeDto, EventListDto, EventPageDto } from '../../common/dto/events.dto';
import { StoreWakeUp } from '../../infrastructure/event-store/store-wake-up';
import {
  AggregateIdParam,
  AppendEventsDto,
  AppendResultDto,
  CorrelationIdParam,
  EventIdParam,
  ReadStreamQuery,
  SearchEventsQuery,
  StreamDto,
} from './events.dto';

@ApiTags('events')
@Controller('v1')
export class EventsController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly wakeUp: StoreWakeUp,
  ) {}

  @Post('aggregates/:aggregateId/events')
  @HttpCode(201)
  @Roles('writer')
  @ApiIdempotencyKey(
    'Events without an eventId get ids derived from this key (the caller, the route and the key) and their index in the ' +
      'append, so a repeat of the same append records nothing new and answers the same versions',
  )
  @ApiOperation({ summary: "Append events to an aggregate's stream (optimistic concurrency, atomic, idempotent by eventId)" })
  @ApiCreatedResponse({ type: AppendResultDto })
  @ApiErrors(
    {
      409: 'WrongExpectedVersion { expectedVersion, actualVersion }, or DuplicateEvent (an eventId already stored elsewhere)',
    },
    WrongExpectedVersionErrorDto,
  )
  async append(
    @Param() { aggregateId }: AggregateIdParam,
    @Body() body: AppendEventsDto,
    @IdempotentCommandId() commandId: string | undefined,
  ): Promise<AppendResultDto> {
    const r = await this.store.appendToStream(
      aggregateId,
      body.events.map((e, i) => ({
        // Derived exactly as the domain endpoints derive their events' ids from their command id.
        eventId: e.eventId ?? (commandId !== undefined ? eventIdFor(commandId, i) : undefined),
        eventType: e.eventType,
        eventData: e.eventData,
        metadata: e.metadata,
        schemaVersion: e.schemaVersion,
        personal: e.personal,
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
  @ApiErrors({ 404: 'StreamNotFound (unknown, or another organization’s)' })
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
    const range = timeRangeOf(q);
    if (range.empty) return { total: 0, events: [], nextCursor: null };
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
        from: range.from,
        to: range.to,
        size: q.size,
        cursor: q.cursor,
        sort: q.sort,
      },
      readScopeOf(),
    );
  }

  @Get('events/:eventId')
  @Roles('reader')
  @ApiOperation({ summary: 'One event by its id' })
  @ApiOkResponse({ type: EventEnvelopeDto })
  @ApiErrors({ 404: 'EventNotFound' })
  async getEvent(@Param() { eventId }: EventIdParam): Promise<EventEnvelopeDto> {
    return this.store.getEvent(eventId, readScopeOf());
  }

  @Get('correlations/:correlationId/events')
  @Roles('reader')
  @ApiOperation({ summary: "A correlation's events, oldest first: one timeline across aggregates and modules (empty when none)" })
  @ApiOkResponse({ type: EventListDto })
  async correlation(@Param() { correlationId }: CorrelationIdParam): Promise<EventListDto> {
    return { events: await this.store.readCorrelation(correlationId, readScopeOf()) };
  }
}
