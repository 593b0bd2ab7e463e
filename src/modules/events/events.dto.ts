import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsObject, ValidateBy, ValidateIf, ValidateNested } from 'class-validator';
import { EVENT_LIMITS, type ExpectedVersion, type JsonObject } from '@gyroscops/event-store';
import {
  AggregateTypeField,
  EnumField,
  IdField,
  IntegerField,
  MAX_POSITION,
  ObjectField,
  PatternField,
  SubjectIdField,
  TextField,
  UuidField,
} from '../../common/dto/fields';
import { EventEnvelopeDto } from '../../common/dto/events.dto';
import { EventPageQueryDto } from '../../common/dto/list-query.dto';
import { CompiledSchema } from '../../common/openapi/compiled-validation';

const EXPECTED_WORDS = ['any', 'no_stream', 'stream_exists'];

@CompiledSchema()
export class AggregateIdParam {
  @IdField({ required: true })
  aggregateId!: string;
}

export class PersonalDataDto {
  @SubjectIdField({ required: true })
  subjectId!: string;

  @ObjectField({ required: true })
  data!: JsonObject;
}

export class NewEventDto {
  @UuidField({
    description:
      'Client-chosen id: retries with the same ids are idempotent. Derived from the Idempotency-Key when absent and the key is given.',
  })
  eventId?: string;

  @TextField({ required: true, maxLength: EVENT_LIMITS.maxEventTypeLength, example: 'OrderPlaced' })
  eventType!: string;

  @ObjectField({ required: true, example: { orderId: 'o-1', total: '100.00' } })
  eventData!: JsonObject;

  @ObjectField({ description: 'Free metadata; userId, organizationId and source are always set from the caller' })
  metadata?: JsonObject;

  @IntegerField({ minimum: 1, maximum: EVENT_LIMITS.maxSchemaVersion, default: 1 })
  schemaVersion?: number;

  @ApiProperty({
    type: () => PersonalDataDto,
    required: false,
    description: "One data subject's personal data: stored encrypted with the subject's own key, never searchable, erasable (GDPR)",
  })
  @ValidateIf((_o: object, v: unknown) => v !== undefined)
  @IsObject()
  @ValidateNested()
  @Type(() => PersonalDataDto)
  personal?: PersonalDataDto;
}

@CompiledSchema()
export class AppendEventsDto {
  @AggregateTypeField({ required: true, example: 'Order' })
  aggregateType!: string;

  @ApiProperty({
    oneOf: [
      { type: 'integer', minimum: 0, maximum: MAX_POSITION },
      { type: 'string', enum: EXPECTED_WORDS },
    ],
    example: 'no_stream',
    description: 'The stream version the append expects (0: no event yet), or any / no_stream / stream_exists',
  })
  @ValidateBy({
    name: 'isExpectedVersion',
    validator: {
      validate: (v: unknown) =>
        EXPECTED_WORDS.includes(v as string) || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && !Object.is(v, -0)),
      defaultMessage: () => 'expectedVersion must be a non-negative integer or one of any, no_stream, stream_exists',
    },
  })
  expectedVersion!: ExpectedVersion;

  @ApiProperty({ type: [NewEventDto], minItems: 1, maxItems: EVENT_LIMITS.maxEventsPerAppend })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(EVENT_LIMITS.maxEventsPerAppend)
  @ValidateNested({ each: true })
  @Type(() => NewEventDto)
  events!: NewEventDto[];
}

export class AppendResultDto {
  @ApiProperty() aggregateId!: string;
  @ApiProperty({ type: 'integer', description: 'Version of the first appended event' }) fromVersion!: number;
  @ApiProperty({ type: 'integer', description: 'Stream version after the append' }) version!: number;
  @ApiProperty({
    type: 'integer',
    description: 'Global position of the last appended event; pass it as minPosition to read your write from projections',
  })
  position!: number;
}

@CompiledSchema()
export class ReadStreamQuery {
  @IntegerField({ minimum: 1, maximum: MAX_POSITION, default: 1, description: 'First version to read (forward) or last (backward)' })
  fromVersion?: number;

  @IntegerField({ minimum: 1, maximum: 10000, default: 1000 })
  maxCount?: number;

  @EnumField(['forward', 'backward'], { default: 'forward' })
  direction?: 'forward' | 'backward';
}

export class StreamDto {
  @ApiProperty() aggregateId!: string;
  @ApiProperty() aggregateType!: string;
  @ApiProperty({ type: 'integer', description: 'Current stream version, even when the page is empty' }) version!: number;
  @ApiProperty({ type: [EventEnvelopeDto] }) events!: EventEnvelopeDto[];
}

/** Ids the event store indexes (correlation, causation, aggregate ids in filters). */
export const ID_LIKE = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,255}$/;
const ID_LIKE_RULE = '1-256 characters of letters, digits and . _ : @ -, starting with a letter or digit';
const IdLikeField = (o: { required?: boolean; description?: string } = {}) =>
  PatternField(ID_LIKE, ID_LIKE_RULE, { minLength: 1, maxLength: 256, ...o });

@CompiledSchema()
export class SearchEventsQuery extends EventPageQueryDto {
  @TextField({ maxLength: 200 }) eventType?: string;
  @AggregateTypeField() aggregateType?: string;
  @IdLikeField() aggregateId?: string;
  @IdLikeField() correlationId?: string;
  @IdLikeField() causationId?: string;
  @TextField({ maxLength: 256 }) userId?: string;
  @TextField({ maxLength: 256, description: 'Admins only; others always see their own organization' }) organizationId?: string;
  @TextField({ maxLength: 1000, description: 'Free text over string values of eventData and metadata (never parsed as query syntax)' })
  q?: string;
  @EnumField(['asc', 'desc'], { default: 'desc' }) sort?: 'asc' | 'desc';
}

export class EventIdParam {
  @UuidField({ required: true }) eventId!: string;
}

export class CorrelationIdParam {
  @IdLikeField({ required: true }) correlationId!: string;
}
