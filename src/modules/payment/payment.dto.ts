import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { AmountField, AmountInCurrencyField, CURRENCIES } from '../../common/dto/money-fields';
import { EnumField, IdField, PatternField, TextField } from '../../common/dto/fields';
import { EventPageQueryDto, NextCursorProperty, PositionPageQueryDto } from '../../common/dto/list-query.dto';
import { ProjectionReadQueryDto } from '../../common/read-models/min-position';
import { EventMetadataDto } from '../../common/dto/events.dto';

export const PAYMENT_STATUSES = ['completed', 'partially_refunded', 'refunded'] as const;

export class ProcessPaymentDto {
  @IdField({ description: 'Chosen by the client, or generated (`pay-<uuid>`)' })
  paymentId?: string;

  @AmountInCurrencyField({
    currencyField: 'currency',
    example: '100.00',
    description: 'Positive decimal, at most the currency precision (EUR 2, JPY 0, BHD 3)',
  })
  amount!: number | string;

  @EnumField(CURRENCIES, { required: true, example: 'EUR', description: 'ISO 4217' })
  currency!: string;

  @IdField({ description: 'The invoice this payment settles' })
  invoiceId?: string;

  @TextField({ maxLength: 1000 })
  description?: string;
}

export class RefundPaymentDto {
  @AmountField({
    example: '10.00',
    description:
      "Positive decimal in the payment's currency; more decimals than that currency has is refused with 409 PAYMENT.INVALID_AMOUNT",
  })
  amount!: number | string;

  @TextField({ maxLength: 1000 })
  reason?: string;
}

export class PaymentIdParam {
  @IdField({ required: true })
  id!: string;
}

/** Correlation ids in paths: what the event store indexes as a correlation id. */
export const CORRELATION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,255}$/;

export class CorrelationParam {
  @PatternField(CORRELATION_ID_PATTERN, '1-256 characters of letters, digits and . _ : @ -, starting with a letter or digit', {
    required: true,
    minLength: 1,
    maxLength: 256,
  })
  correlationId!: string;
}

export class PaymentCommandResultDto {
  @ApiProperty() paymentId!: string;
  @ApiProperty({ enum: PAYMENT_STATUSES, example: 'completed' }) status!: string;
  @ApiProperty({ type: 'integer' }) version!: number;
  @ApiProperty({ type: 'integer', description: 'Global position of the last event: pass as minPosition to read it from the read model' })
  position!: number;
}

export class PaymentEventsQueryDto extends EventPageQueryDto {
  @TextField({ maxLength: 200, example: 'PaymentRefunded' }) eventType?: string;
  @TextField({ maxLength: 1000, description: 'Full text over the events’ data' }) q?: string;
}

export class GetPaymentQueryDto extends ProjectionReadQueryDto {}

export class ListPaymentsQueryDto extends IntersectionType(ProjectionReadQueryDto, PositionPageQueryDto) {
  @EnumField(PAYMENT_STATUSES) status?: string;
  @PatternField(/^[A-Z]{3}$/, 'an ISO 4217 code', { example: 'EUR' }) currency?: string;
  @IdField() invoiceId?: string;
}

export class PaymentDto {
  @ApiProperty() paymentId!: string;
  @ApiProperty({ example: '100.00', description: 'Decimal string in the currency precision' }) amount!: string;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ enum: PAYMENT_STATUSES }) status!: string;
  @ApiProperty({ example: '0.00' }) refunded!: string;
  @ApiPropertyOptional() invoiceId?: string;
  @ApiPropertyOptional() description?: string;
}

export class PaymentSummaryDto extends PaymentDto {
  @ApiProperty() organizationId!: string;
  @ApiProperty({ type: 'integer', description: 'Stream version of the last event applied' }) version!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: 'integer', description: 'Global position of the first event' }) createdPosition!: number;
}

export class PaymentPageDto {
  @ApiProperty({ type: 'integer', description: 'Exact number of matches' }) total!: number;
  @ApiProperty({ type: [PaymentSummaryDto] }) items!: PaymentSummaryDto[];
  @NextCursorProperty() nextCursor!: string | null;
}

export class PaymentReplayDto extends PaymentDto {
  @ApiProperty({ type: 'integer', description: 'Version the state was rebuilt to' }) version!: number;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'Timestamp of the last event applied' }) asOf!:
    string | null;
}

export class PaymentEventDto {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty() aggregateId!: string;
  @ApiProperty() eventType!: string;
  @ApiProperty({ format: 'date-time' }) timestamp!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: Record<string, unknown>;
  @ApiProperty({ type: EventMetadataDto }) metadata!: EventMetadataDto;
}

export class PaymentEventsPageDto {
  @ApiProperty({ type: 'integer', description: 'Exact number of matches' }) total!: number;
  @ApiProperty({ type: [PaymentEventDto] }) results!: PaymentEventDto[];
  @NextCursorProperty() nextCursor!: string | null;
}
