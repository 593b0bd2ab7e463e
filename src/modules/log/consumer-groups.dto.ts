import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, ValidateBy, ValidateIf, ValidateNested } from 'class-validator';
import { CONSUMER_NAME_PATTERN, GROUP_NAME_PATTERN, type LogFilter, type StartFrom } from '@gyroscops/projections';
import { AggregateTypeField, IntegerField, MAX_POSITION, PatternField, TextField, UuidField } from '../../common/dto/fields';
import { EventEnvelopeDto } from '../../common/dto/events.dto';
import { AggregateIdPrefixField, EventTypesField } from './log.dto';

const GROUP_RULE = 'a group name (1-64 lowercase letters, digits, "_" or "-", starting with a letter or digit)';
const CONSUMER_RULE = '1-128 characters of letters, digits and . _ : @ -, starting with a letter or digit';
const START_WORDS = ['beginning', 'end'];
const MAX_DELIVERY_IDS = 1000;
/** Optional fields may be absent, never null (IsOptional would let null through). */
const present = (_o: object, v: unknown): boolean => v !== undefined;

export class GroupNameParam {
  @PatternField(GROUP_NAME_PATTERN, GROUP_RULE, { required: true, minLength: 1, maxLength: 64, example: 'billing-export' })
  group!: string;
}

export class GroupParkedEventParam extends GroupNameParam {
  @UuidField({ required: true })
  eventId!: string;
}

export class SagaNameParam {
  @PatternField(GROUP_NAME_PATTERN, 'a saga name (1-64 lowercase letters, digits, "_" or "-")', {
    required: true,
    minLength: 1,
    maxLength: 64,
    example: 'invoice-payment',
  })
  name!: string;
}

export class SagaParkedEventParam extends SagaNameParam {
  @UuidField({ required: true })
  eventId!: string;
}

export class GroupOrganizationQuery {
  @TextField({
    maxLength: 512,
    description: 'Admins only: the organization whose group this is (default: the caller’s). Others may only name their own.',
  })
  organizationId?: string;
}

export class GroupFilterDto {
  @EventTypesField({ inQuery: false })
  eventTypes?: string[];

  @AggregateTypeField({ description: 'Only events of this aggregate type' })
  aggregateType?: string;

  @AggregateIdPrefixField()
  aggregateIdPrefix?: string;
}

const startFromSchema = {
  oneOf: [
    { type: 'string', enum: START_WORDS },
    { type: 'integer', minimum: 0, maximum: MAX_POSITION },
  ],
};

function isStartFrom(v: unknown): v is StartFrom {
  return START_WORDS.includes(v as string) || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && !Object.is(v, -0));
}

const StartFromValidator = ValidateBy({
  name: 'isStartFrom',
  validator: {
    validate: isStartFrom,
    defaultMessage: (a) => `${a?.property ?? 'value'} must be beginning, end or a position (an integer ≥ 0)`,
  },
});

export class PutConsumerGroupDto {
  @ApiPropertyOptional({ type: GroupFilterDto, description: 'Which events the group receives (absent: every event of the organization)' })
  @ValidateIf(present)
  @ValidateNested()
  @Type(() => GroupFilterDto)
  filter?: GroupFilterDto;

  @ApiPropertyOptional({
    ...startFromSchema,
    default: 'beginning',
    description:
      'Where a new group starts: the beginning of the log, its end (only events appended from now), or after a position. ' +
      'Ignored when the group exists (move it with POST …/position).',
  })
  @ValidateIf(present)
  @StartFromValidator
  startFrom?: StartFrom;

  @IntegerField({ minimum: 1, maximum: 100, default: 5, description: 'Deliveries of one event (refused or lapsed) before it is parked' })
  maxAttempts?: number;

  @IntegerField({
    minimum: 1000,
    maximum: 3_600_000,
    default: 30_000,
    description: 'How long a consumer holds a delivery: past it the event may go to another consumer',
  })
  ackTimeoutMs?: number;

  @IntegerField({ minimum: 0, maximum: 3_600_000, default: 1000, description: 'First retry delay; doubles with each attempt' })
  retryBaseMs?: number;

  @IntegerField({ minimum: 0, maximum: 3_600_000, default: 60_000, description: 'Longest retry delay' })
  retryMaxMs?: number;
}

export function groupFilterOf(f: GroupFilterDto | undefined): LogFilter {
  return {
    ...(f?.eventTypes ? { eventTypes: f.eventTypes } : {}),
    ...(f?.aggregateType !== undefined ? { aggregateType: f.aggregateType } : {}),
    ...(f?.aggregateIdPrefix !== undefined ? { aggregateIdPrefix: f.aggregateIdPrefix } : {}),
  };
}

export class MoveConsumerGroupDto {
  @ApiProperty({
    ...startFromSchema,
    description: 'The new checkpoint: beginning, end, or a position. Pending and in-flight events are dropped.',
  })
  @StartFromValidator
  position!: StartFrom;
}

export class FetchDeliveriesDto {
  @PatternField(CONSUMER_NAME_PATTERN, CONSUMER_RULE, {
    required: true,
    minLength: 1,
    maxLength: 128,
    description: 'Names the consumer in the group’s status',
    example: 'billing-export-7f9c',
  })
  consumer!: string;

  @IntegerField({ minimum: 1, maximum: 500, default: 100, description: 'Most events to receive' })
  max?: number;

  @IntegerField({ minimum: 0, maximum: 30_000, default: 10_000, description: 'Longest wait for an event when none is ready (long poll)' })
  waitMs?: number;
}

class DeliveryIdsDto {
  @ApiProperty({ type: 'array', items: { type: 'string', format: 'uuid' }, minItems: 1, maxItems: MAX_DELIVERY_IDS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_DELIVERY_IDS)
  @ValidateBy({
    name: 'isUuidList',
    validator: {
      validate: (v: unknown) =>
        Array.isArray(v) && v.every((x) => typeof x === 'string' && /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/.test(x)),
      defaultMessage: () => 'deliveryIds must be delivery ids (UUIDs)',
    },
  })
  deliveryIds!: string[];

  @PatternField(CONSUMER_NAME_PATTERN, CONSUMER_RULE, { minLength: 1, maxLength: 128 })
  consumer?: string;
}

export class AckDeliveriesDto extends DeliveryIdsDto {}

export class NackDeliveriesDto extends DeliveryIdsDto {
  @TextField({ maxLength: 1000, description: 'Why (kept with the event if it is parked)' })
  reason?: string;

  @ApiPropertyOptional({ type: 'boolean', default: false, description: 'Park at once instead of retrying' })
  @ValidateIf(present)
  @IsBoolean()
  park?: boolean;
}

// ------------------------------------------------------------------ answers

export class ConsumerGroupFilterDto {
  @ApiProperty({ type: [String] }) eventTypes!: string[];
  @ApiProperty({ type: String, nullable: true }) aggregateType!: string | null;
  @ApiProperty({ type: String, nullable: true }) aggregateIdPrefix!: string | null;
}

export class ConsumerGroupSettingsDto {
  @ApiProperty({ type: 'integer' }) maxAttempts!: number;
  @ApiProperty({ type: 'integer' }) ackTimeoutMs!: number;
  @ApiProperty({ type: 'integer' }) retryBaseMs!: number;
  @ApiProperty({ type: 'integer' }) retryMaxMs!: number;
}

export class ConsumerStatusDto {
  @ApiProperty() consumer!: string;
  @ApiProperty({ format: 'date-time' }) lastSeenAt!: string;
  @ApiProperty({ type: 'integer' }) inFlight!: number;
  @ApiProperty({ type: 'integer' }) delivered!: number;
  @ApiProperty({ type: 'integer' }) acked!: number;
  @ApiProperty({ type: 'integer' }) nacked!: number;
}

export class ConsumerGroupStatusDto {
  @ApiProperty({ example: 'billing-export' }) name!: string;
  @ApiProperty() organizationId!: string;
  @ApiProperty({ description: 'An admin’s group that follows every organization (only admins may use it)' }) allOrganizations!: boolean;
  @ApiProperty({ type: ConsumerGroupFilterDto }) filter!: ConsumerGroupFilterDto;
  @ApiProperty({ type: ConsumerGroupSettingsDto }) settings!: ConsumerGroupSettingsDto;
  @ApiProperty({ type: 'integer', description: 'Checkpoint: every event up to it is acknowledged, filtered out, parked or skipped' })
  position!: number;
  @ApiProperty({ type: 'integer' }) headPosition!: number;
  @ApiProperty({ type: 'integer', description: 'headPosition - position' }) lag!: number;
  @ApiProperty({ type: 'integer', description: 'Matching events after the checkpoint the group has read' }) pending!: number;
  @ApiProperty({ type: 'integer' }) ready!: number;
  @ApiProperty({ type: 'integer', description: 'Held by a consumer, deadline not passed' }) inFlight!: number;
  @ApiProperty({ type: 'integer', description: 'Refused or lapsed, waiting for their retry' }) retrying!: number;
  @ApiProperty({ type: 'integer' }) parkedCount!: number;
  @ApiProperty({ type: 'integer' }) delivered!: number;
  @ApiProperty({ type: 'integer' }) redelivered!: number;
  @ApiProperty({ type: 'integer' }) acked!: number;
  @ApiProperty({ type: 'integer' }) nacked!: number;
  @ApiProperty({ type: 'integer', description: 'Deliveries whose deadline passed without an answer' }) lapsed!: number;
  @ApiProperty({ type: [ConsumerStatusDto], description: 'Consumers seen recently, most recent first' }) consumers!: ConsumerStatusDto[];
  @ApiProperty({ enum: ['running', 'stopped'], description: 'Whether an instance follows the log for the group' }) state!:
    'running' | 'stopped';
  @ApiProperty({ type: String, nullable: true, description: 'Instance following the log for the group' }) owner!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class ConsumerGroupListDto {
  @ApiProperty({ type: [ConsumerGroupStatusDto] }) groups!: ConsumerGroupStatusDto[];
}

export class DeliveryDto {
  @ApiProperty({ format: 'uuid', description: 'Acknowledge or refuse the event with this id' }) deliveryId!: string;
  @ApiProperty({ type: 'integer', description: '1 on the first delivery of this event' }) attempt!: number;
  @ApiProperty({ format: 'date-time' }) deliveredAt!: string;
  @ApiProperty({ format: 'date-time', description: 'Past it, the delivery lapses and the event may go to another consumer' })
  deadline!: string;
  @ApiProperty({ type: EventEnvelopeDto }) event!: EventEnvelopeDto;
}

export class FetchResultDto {
  @ApiProperty({ type: [DeliveryDto], description: 'In position order; at most one event per aggregate. Empty when the wait ended.' })
  deliveries!: DeliveryDto[];
  @ApiProperty({ type: 'integer', description: 'The group’s checkpoint' }) position!: number;
}

export class AckResultDto {
  @ApiProperty({ type: [String] }) acked!: string[];
  @ApiProperty({ type: [String], description: 'No longer this consumer’s (lapsed and delivered again, or the group moved): nothing done' })
  stale!: string[];
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class NackResultDto {
  @ApiProperty({ type: [String], description: 'Will be delivered again after a backoff' }) retried!: string[];
  @ApiProperty({ type: [String] }) parked!: string[];
  @ApiProperty({ type: [String] }) stale!: string[];
  @ApiProperty({ format: 'date-time' }) at!: string;
}

@ApiSchema({ name: 'ParkedLogEvent' })
export class ParkedLogEventDto {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty() eventType!: string;
  @ApiProperty() aggregateId!: string;
  @ApiProperty({ type: 'integer' }) position!: number;
  @ApiProperty() error!: string;
  @ApiProperty({ type: 'integer' }) attempts!: number;
  @ApiProperty({ format: 'date-time' }) parkedAt!: string;
}

export class ParkedListDto {
  @ApiProperty({ type: [ParkedLogEventDto], description: 'Most recent first; the last 100 are kept' }) parked!: ParkedLogEventDto[];
  @ApiProperty({ type: 'integer', description: 'Events parked in all' }) parkedCount!: number;
}

export class SagaParkedListDto extends ParkedListDto {
  @ApiProperty() saga!: string;
  @ApiProperty({ type: [String], description: 'Event ids whose replay was asked for and has not run yet' }) replayRequested!: string[];
}
