import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { AGGREGATE_ID_PATTERN, AGGREGATE_TYPE_PATTERN, EVENT_LIMITS, type ExpectedVersion, type JsonObject } from '@gyroscops/event-store';

const EXPECTED_WORDS = ['any', 'no_stream', 'stream_exists'];

function IsExpectedVersion(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isExpectedVersion',
      validator: {
        validate: (v: unknown) =>
          EXPECTED_WORDS.includes(v as string) || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && !Object.is(v, -0)),
        defaultMessage: () => 'expectedVersion must be a non-negative integer or one of any, no_stream, stream_exists',
      },
    },
    options,
  );
}

export class AggregateIdParam {
  @ApiProperty({ description: '1-256 characters: letters, digits and . _ : @ -, starting with a letter or digit' })
  @Matches(AGGREGATE_ID_PATTERN, {
    message: 'aggregateId must be 1-256 characters of letters, digits and . _ : @ -, starting with a letter or digit',
  })
  @Matches(/^(?!.*\.\.)/, { message: 'aggregateId must not contain ".."' })
  aggregateId!: string;
}

export class NewEventDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Client-chosen id: retries with the same ids are idempotent' })
  @IsOptional()
  @IsUUID()
  eventId?: string;

  @ApiProperty({ minLength: 1, maxLength: EVENT_LIMITS.maxEventTypeLength, example: 'PaymentProcessed' })
  @IsString()
  @Length(1, EVENT_LIMITS.maxEventTypeLength)
  eventType!: string;

  @ApiProperty({ type: 'object', additionalProperties: true, example: { amount: '100.00', currency: 'EUR' } })
  @IsObject()
  eventData!: JsonObject;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'userId, organizationId and source are always set from the caller',
  })
  @IsOptional()
  @IsObject()
  metadata?: JsonObject;

  @ApiPropertyOptional({ minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  schemaVersion?: number;
}

export class AppendEventsDto {
  @ApiProperty({ example: 'Payment', pattern: AGGREGATE_TYPE_PATTERN.source })
  @IsString()
  @Matches(AGGREGATE_TYPE_PATTERN, { message: 'aggregateType must be 1-100 characters: a letter, then letters, digits, _ . -' })
  aggregateType!: string;

  @ApiProperty({
    oneOf: [
      { type: 'integer', minimum: 0 },
      { type: 'string', enum: EXPECTED_WORDS },
    ],
    example: 'no_stream',
  })
  @IsExpectedVersion()
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
  @ApiProperty({ description: 'Version of the first appended event' }) fromVersion!: number;
  @ApiProperty({ description: 'Stream version after the append' }) version!: number;
  @ApiProperty({ description: 'Global position of the last appended event; pass it as minPosition to read your write from projections' })
  position!: number;
}

export class EventMetadataDto {
  @ApiProperty() userId!: string;
  @ApiProperty() organizationId!: string;
  @ApiProperty({ example: 'api' }) source!: string;
}

export class EventEnvelopeDto {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty() aggregateId!: string;
  @ApiProperty() aggregateType!: string;
  @ApiProperty() eventType!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) eventData!: JsonObject;
  @ApiProperty() version!: number;
  @ApiProperty() position!: number;
  @ApiProperty({ format: 'date-time' }) timestamp!: string;
  @ApiProperty() correlationId!: string;
  @ApiProperty({ nullable: true, type: String }) causationId!: string | null;
  @ApiProperty() schemaVersion!: number;
  @ApiProperty({ type: EventMetadataDto }) metadata!: EventMetadataDto;
}

export class ReadStreamQuery {
  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  fromVersion?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 10000, default: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10000)
  maxCount?: number;

  @ApiPropertyOptional({ enum: ['forward', 'backward'], default: 'forward' })
  @IsOptional()
  @IsIn(['forward', 'backward'])
  direction?: 'forward' | 'backward';
}

export class StreamDto {
  @ApiProperty() aggregateId!: string;
  @ApiProperty() aggregateType!: string;
  @ApiProperty({ description: 'Current stream version, even when the page is empty' }) version!: number;
  @ApiProperty({ type: [EventEnvelopeDto] }) events!: EventEnvelopeDto[];
}

const ID_LIKE = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,255}$/;
const idLike = (field: string) => Matches(ID_LIKE, { message: `${field} must be 1-256 characters of letters, digits and . _ : @ -` });

export class SearchEventsQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) eventType?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(AGGREGATE_TYPE_PATTERN) aggregateType?: string;
  @ApiPropertyOptional() @IsOptional() @idLike('aggregateId') aggregateId?: string;
  @ApiPropertyOptional() @IsOptional() @idLike('correlationId') correlationId?: string;
  @ApiPropertyOptional() @IsOptional() @idLike('causationId') causationId?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 256) userId?: string;
  @ApiPropertyOptional({ description: 'Admins only; others always see their own organization' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  organizationId?: string;
  @ApiPropertyOptional({ description: 'Free text over string values of eventData and metadata (never parsed as query syntax)' })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  q?: string;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsISO8601({ strict: true }) from?: string;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsISO8601({ strict: true }) to?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  size?: number;
  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page' }) @IsOptional() @IsString() @Length(1, 2000) cursor?: string;
  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' }) @IsOptional() @IsIn(['asc', 'desc']) sort?: 'asc' | 'desc';
}

export class EventPageDto {
  @ApiProperty({ description: 'Exact number of matches' }) total!: number;
  @ApiProperty({ type: [EventEnvelopeDto] }) events!: EventEnvelopeDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class EventIdParam {
  @ApiProperty({ format: 'uuid' }) @IsUUID() eventId!: string;
}

export class CorrelationIdParam {
  @ApiProperty() @idLike('correlationId') correlationId!: string;
}

export class EventListDto {
  @ApiProperty({ type: [EventEnvelopeDto] }) events!: EventEnvelopeDto[];
}
