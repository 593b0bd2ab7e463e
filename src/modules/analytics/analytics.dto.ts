import { ApiProperty, IntersectionType } from '@nestjs/swagger';
import { EventEnvelopeDto } from '../../common/dto/events.dto';
import { AggregateTypeField, EnumField, PatternField, TextField } from '../../common/dto/fields';
import { EventPageQueryDto, TimeRangeQueryDto } from '../../common/dto/list-query.dto';
import { CompiledSchema } from '../../common/openapi/compiled-validation';
import { INTERVALS, MAX_BUCKETS, UTC } from './domain/time-buckets';

/**
 * Zones Node's time zone database (2025c here) has and Elasticsearch 8.19's Java does not know yet: sending one
 * makes Elasticsearch refuse the aggregation. `analytics-time-zones.int-spec.ts` checks every zone of TIME_ZONES
 * against the real Elasticsearch, so a runtime upgrade that adds another fails a test instead of a request.
 */
const UNKNOWN_TO_ELASTICSEARCH = new Set(['America/Coyhaique']);

/**
 * IANA's current names of zones that CLDR (so Intl) still spells the old way: Intl accepts both and answers the old
 * one (Asia/Kolkata → Asia/Calcutta), so the API accepts both too.
 */
const IANA_NAMES_OF_CLDR_LEGACY_ZONES = [
  'Africa/Asmara',
  'America/Argentina/Buenos_Aires',
  'America/Argentina/Catamarca',
  'America/Argentina/Cordoba',
  'America/Argentina/Jujuy',
  'America/Argentina/Mendoza',
  'America/Atikokan',
  'America/Indiana/Indianapolis',
  'America/Kentucky/Louisville',
  'America/Nuuk',
  'Asia/Ho_Chi_Minh',
  'Asia/Kathmandu',
  'Asia/Kolkata',
  'Asia/Yangon',
  'Atlantic/Faroe',
  'Europe/Kyiv',
  'Pacific/Chuuk',
  'Pacific/Kanton',
  'Pacific/Pohnpei',
];

/** The time zones the API accepts (exactly these spellings): IANA names Intl knows and Elasticsearch also knows. */
export const TIME_ZONES: readonly string[] = [
  UTC,
  ...[...Intl.supportedValuesOf('timeZone'), ...IANA_NAMES_OF_CLDR_LEGACY_ZONES]
    .filter((z) => z !== UTC && !UNKNOWN_TO_ELASTICSEARCH.has(z))
    .sort(),
];

export class TimeWindowDto extends TimeRangeQueryDto {
  @EnumField(TIME_ZONES, {
    example: 'Europe/Paris',
    default: UTC,
    description: 'IANA time zone of the days given as from/to, of bucket boundaries and keys. Hour keys then carry the offset.',
  })
  timeZone?: string;
}

@CompiledSchema()
export class EventFilterDto extends TimeWindowDto {
  @TextField({ maxLength: 200, example: 'PaymentProcessed' }) eventType?: string;
  @AggregateTypeField({ example: 'Payment' }) aggregateType?: string;
}

export const BUCKET_LIMIT_DESCRIPTION =
  `At most ${MAX_BUCKETS} buckets per series: a range (from..to, or the first..last matching event when a bound is absent) ` +
  'that would produce more is refused with 400 ANALYTICS.TOO_MANY_BUCKETS.';

@CompiledSchema()
export class IntervalDto extends EventFilterDto {
  @EnumField(INTERVALS, { default: 'day', description: `Bucket size. ${BUCKET_LIMIT_DESCRIPTION}` })
  interval?: string;
}

export class PaymentVolumeDto extends TimeWindowDto {
  @EnumField(INTERVALS, { default: 'day', description: `Bucket size. ${BUCKET_LIMIT_DESCRIPTION}` })
  interval?: string;
}

export class SearchEventDataDto extends IntersectionType(EventFilterDto, EventPageQueryDto) {
  @TextField({ maxLength: 1000, description: 'Free text over string values of eventData and metadata (never parsed as query syntax)' })
  q?: string;
}

export class CorrelationIdParam {
  @PatternField(
    /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,255}$/,
    '1-256 characters of letters, digits and . _ : @ -, starting with a letter or digit',
    {
      required: true,
      minLength: 1,
      maxLength: 256,
    },
  )
  correlationId!: string;
}

export class CausationNodeDto {
  @ApiProperty({ type: EventEnvelopeDto }) event!: EventEnvelopeDto;
  @ApiProperty({ type: 'string', nullable: true, description: 'The event of this correlation that caused this one; null for roots' })
  causedBy!: string | null;
  @ApiProperty({ type: [String], description: 'Events this one caused, oldest first' }) children!: string[];
}

export class CorrelationTreeDto {
  @ApiProperty() correlationId!: string;
  @ApiProperty({ type: 'integer', description: 'Exact number of the correlation’s events visible to the caller' }) total!: number;
  @ApiProperty({ description: 'More events than the tree holds (10,000)' }) truncated!: boolean;
  @ApiProperty({ type: [String], description: 'Events caused by nothing of the correlation, oldest first' }) roots!: string[];
  @ApiProperty({ type: [CausationNodeDto], description: 'Every event oldest first' }) nodes!: CausationNodeDto[];
}
