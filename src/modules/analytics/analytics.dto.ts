import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { AGGREGATE_ID_PATTERN, AGGREGATE_TYPE_PATTERN } from '@gyroscops/event-store';
import { INTERVALS, MAX_BUCKETS } from './domain/time-buckets';

// Dates, intervals and zones are only shape-checked here: the query handlers own their meaning and answer
// ANALYTICS.INVALID_DATE / INVALID_RANGE / INVALID_INTERVAL / INVALID_TIME_ZONE / TOO_MANY_BUCKETS with details.

const FROM = {
  description:
    'ISO 8601, inclusive. A date-time with Z or an offset is that instant; without, a wall-clock time in timeZone. ' +
    'A bare date (2024-12-19) is the start of that day in timeZone for from, its end for to. No bound when absent.',
  example: '2024-12-01',
};
const TIME_ZONE = {
  description: 'IANA time zone for bucket boundaries and keys (Europe/Paris); UTC when absent. Hour keys then carry the offset.',
  example: 'Europe/Paris',
};

export class TimeWindowDto {
  @ApiPropertyOptional(FROM) @IsOptional() @IsString() @Length(1, 40) from?: string;
  @ApiPropertyOptional({ ...FROM, example: '2024-12-31' }) @IsOptional() @IsString() @Length(1, 40) to?: string;
  @ApiPropertyOptional(TIME_ZONE) @IsOptional() @IsString() @Length(1, 64) timeZone?: string;
}

export class EventFilterDto extends TimeWindowDto {
  @ApiPropertyOptional({ example: 'PaymentProcessed' }) @IsOptional() @IsString() @Length(1, 200) eventType?: string;
  @ApiPropertyOptional({ example: 'Payment' })
  @IsOptional()
  @Matches(AGGREGATE_TYPE_PATTERN, { message: 'aggregateType must be 1-100 characters: a letter, then letters, digits, _ . -' })
  aggregateType?: string;
}

export const BUCKET_LIMIT_DESCRIPTION =
  `At most ${MAX_BUCKETS} buckets per series: a range (from..to, or the first..last matching event when a bound is absent) ` +
  'that would produce more is refused with 400 ANALYTICS.TOO_MANY_BUCKETS.';

export class IntervalDto extends EventFilterDto {
  @ApiPropertyOptional({ enum: INTERVALS, default: 'day', description: `Bucket size. ${BUCKET_LIMIT_DESCRIPTION}` })
  @IsOptional()
  @IsString()
  @Length(1, 20)
  interval?: string;
}

export class PaymentVolumeDto extends TimeWindowDto {
  @ApiPropertyOptional({ enum: INTERVALS, default: 'day', description: `Bucket size. ${BUCKET_LIMIT_DESCRIPTION}` })
  @IsOptional()
  @IsString()
  @Length(1, 20)
  interval?: string;
}

export class SearchEventDataDto extends EventFilterDto {
  @ApiPropertyOptional({ description: 'Free text over string values of eventData and metadata (never parsed as query syntax)' })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  q?: string;
  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page' }) @IsOptional() @IsString() @Length(1, 2000) cursor?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  size?: number;
}

export class CorrelationIdParam {
  @ApiProperty()
  @Matches(AGGREGATE_ID_PATTERN, {
    message: 'correlationId must be 1-256 characters of letters, digits and . _ : @ -, starting with a letter or digit',
  })
  correlationId!: string;
}
