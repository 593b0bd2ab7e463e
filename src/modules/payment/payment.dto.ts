import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { AGGREGATE_ID_PATTERN } from '@gyroscops/event-store';
import { MinPositionQuery } from '@gyroscops/projections';
import { IsAmount } from '../../common/commands/amount.validator';

const ID_MESSAGE = 'must be 1-256 characters of letters, digits and . _ : @ -, starting with a letter or digit';

export class ProcessPaymentDto {
  @ApiPropertyOptional({ description: 'Chosen by the client, or generated' })
  @IsOptional()
  @Matches(AGGREGATE_ID_PATTERN, { message: `paymentId ${ID_MESSAGE}` })
  paymentId?: string;

  @ApiProperty({
    oneOf: [{ type: 'number' }, { type: 'string' }],
    example: '100.00',
    description: 'Decimal, at most the currency precision (EUR 2, JPY 0, BHD 3)',
  })
  @IsAmount()
  amount!: number | string;

  @ApiProperty({ example: 'EUR', description: 'ISO 4217' })
  @IsString()
  currency!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(AGGREGATE_ID_PATTERN, { message: `invoiceId ${ID_MESSAGE}` })
  invoiceId?: string;

  @ApiPropertyOptional({ maxLength: 1000 })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  description?: string;
}

export class RefundPaymentDto {
  @ApiProperty({ oneOf: [{ type: 'number' }, { type: 'string' }], example: '10.00' })
  @IsAmount()
  amount!: number | string;

  @ApiPropertyOptional({ maxLength: 1000 })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  reason?: string;
}

export class PaymentIdParam {
  @ApiProperty()
  @Matches(AGGREGATE_ID_PATTERN, { message: `id ${ID_MESSAGE}` })
  id!: string;
}

export class CorrelationParam {
  @ApiProperty()
  @Matches(AGGREGATE_ID_PATTERN, { message: `correlationId ${ID_MESSAGE}` })
  correlationId!: string;
}

export class PaymentCommandResultDto {
  @ApiProperty() paymentId!: string;
  @ApiProperty({ example: 'completed' }) status!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ description: 'Global position of the last event: pass as minPosition to read it from the read model' }) position!: number;
}

export class PaymentEventsQueryDto {
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsISO8601({ strict: true }) from?: string;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsISO8601({ strict: true }) to?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) eventType?: string;
  @ApiPropertyOptional({ description: 'Full text over the events’ data' }) @IsOptional() @IsString() @Length(1, 1000) q?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  size?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 2000) cursor?: string;
}

export class GetPaymentQueryDto extends MinPositionQuery {}

export class ListPaymentsQueryDto extends MinPositionQuery {
  @ApiPropertyOptional({ enum: ['completed', 'partially_refunded', 'refunded'] })
  @IsOptional()
  @IsIn(['completed', 'partially_refunded', 'refunded'])
  status?: string;
  @ApiPropertyOptional({ example: 'EUR' })
  @IsOptional()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code' })
  currency?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(AGGREGATE_ID_PATTERN, { message: `invoiceId ${ID_MESSAGE}` }) invoiceId?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'Created at or after' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'Created at or before' }) @IsOptional() @IsISO8601({ strict: true }) to?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  size?: number;
  @ApiPropertyOptional({ description: 'The nextCursor of the previous page' }) @IsOptional() @IsString() @Length(1, 200) cursor?: string;
}
