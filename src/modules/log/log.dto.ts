import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ValidateBy, ValidateIf } from 'class-validator';
import { EVENT_LIMITS } from '@gyroscops/event-store';
import type { LogFilter } from '@gyroscops/projections';
import { AggregateTypeField, IntegerField, MAX_POSITION, PatternField } from '../../common/dto/fields';
import { EventEnvelopeDto } from '../../common/dto/events.dto';

export const MAX_EVENT_TYPES = 50;
export const DEFAULT_LOG_LIMIT = 100;
export const MAX_LOG_LIMIT = 1000;

/** A prefix of an aggregate id: the characters ids are made of, starting like one. */
export const ID_PREFIX_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,255}$/;

const isEventType = (v: unknown): boolean => typeof v === 'string' && v.length >= 1 && v.length <= EVENT_LIMITS.maxEventTypeLength;

/**
 * Event types to keep: `eventType=A&eventType=B` in a query (one value is one type; commas are part of a type),
 * an array in a body. Validation and the OpenAPI schema come from the same bounds.
 */
export function EventTypesField(o: { inQuery: boolean; description?: string }): PropertyDecorator {
  const rule = `1-${MAX_EVENT_TYPES} event types of 1-${EVENT_LIMITS.maxEventTypeLength} characters`;
  return applyDecorators(
    ApiProperty({
      required: false,
      type: 'array',
      items: { type: 'string', minLength: 1, maxLength: EVENT_LIMITS.maxEventTypeLength },
      minItems: 1,
      maxItems: MAX_EVENT_TYPES,
      description: o.description ?? 'Keep only events of these types (any of them)',
      example: ['PaymentProcessed'],
    }),
    ...(o.inQuery ? [Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? [value] : value))] : []),
    ValidateIf((_o: object, v: unknown) => v !== undefined),
    ValidateBy({
      name: 'isEventTypeList',
      validator: {
        validate: (v: unknown) => Array.isArray(v) && v.length >= 1 && v.length <= MAX_EVENT_TYPES && v.every(isEventType),
        defaultMessage: (a) => `${a?.property ?? 'eventType'} must be ${rule}`,
      },
    }),
  );
}

export const AggregateIdPrefixField = (): PropertyDecorator =>
  PatternField(
    ID_PREFIX_PATTERN,
    'the beginning of an aggregate id (1-256 characters of letters, digits and . _ : @ -, starting with a letter or digit)',
    {
      minLength: 1,
      maxLength: 256,
      description: 'Keep only events of aggregates whose id starts with this',
      example: 'pay-',
    },
  );

export class LogFilterQuery {
  @EventTypesField({ inQuery: true })
  eventType?: string[];

  @AggregateTypeField({ description: 'Keep only events of this aggregate type' })
  aggregateType?: string;

  @AggregateIdPrefixField()
  aggregateIdPrefix?: string;
}

export class ReadLogQueryDto extends LogFilterQuery {
  @IntegerField({
    minimum: 0,
    maximum: MAX_POSITION,
    default: 0,
    description: 'Checkpoint: events with a greater position (pass the `checkpoint` of the previous page)',
  })
  after?: number;

  @IntegerField({ minimum: 1, maximum: MAX_LOG_LIMIT, default: DEFAULT_LOG_LIMIT, description: 'Most events in the page' })
  limit?: number;
}

export class LogStreamQueryDto extends LogFilterQuery {
  @IntegerField({
    minimum: 0,
    maximum: MAX_POSITION,
    default: 0,
    description: 'Start after this position (ignored when a Last-Event-ID header is sent, as EventSource does when it reconnects)',
  })
  after?: number;
}

export function filterOf(q: LogFilterQuery): LogFilter {
  return {
    ...(q.eventType ? { eventTypes: q.eventType } : {}),
    ...(q.aggregateType !== undefined ? { aggregateType: q.aggregateType } : {}),
    ...(q.aggregateIdPrefix !== undefined ? { aggregateIdPrefix: q.aggregateIdPrefix } : {}),
  };
}

export class LogPageDto {
  @ApiProperty({ type: [EventEnvelopeDto], description: 'Matching events, in position order' })
  events!: EventEnvelopeDto[];

  @ApiProperty({
    type: 'integer',
    description:
      'Resume from here (`after`): every position up to it has been looked at, including events the filters or the organization left out',
  })
  checkpoint!: number;

  @ApiProperty({ type: 'integer', description: 'Highest position allocated so far; `checkpoint < head` means more may be there to read' })
  head!: number;
}
