import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ValidateNested } from 'class-validator';
import { AmountField, CURRENCIES, QuantityField } from '../../common/dto/money-fields';
import { EnumField, IdField, PatternField, TextField } from '../../common/dto/fields';
import { NextCursorProperty, PositionPageQueryDto } from '../../common/dto/list-query.dto';
import { ProjectionReadQueryDto } from '../../common/read-models/min-position';
import type { InvoiceStatus } from './domain/invoice.events';

const STATUSES: InvoiceStatus[] = ['draft', 'issued', 'partially_paid', 'paid', 'voided'];
/** A billing period: a calendar month, YYYY-MM. */
const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

export class CreateInvoiceDto {
  @IdField({ description: 'Chosen by the client, or generated (`inv-<uuid>`)' })
  invoiceId?: string;

  @PatternField(PERIOD, 'a billing period YYYY-MM', { required: true, example: '2026-11', description: 'Billing period, YYYY-MM' })
  period!: string;

  @EnumField(CURRENCIES, { required: true, example: 'EUR', description: 'ISO 4217: every amount of the invoice is in it' })
  currency!: string;
}

export class CloudResourceDto {
  @TextField({ required: true, maxLength: 200, example: 'vm' })
  resourceType!: string;

  @TextField({ maxLength: 256, example: 'vm-42' })
  resourceId?: string;
}

export class AddInvoiceLineDto {
  @IdField({ description: 'Unique in the invoice; derived from the command id when absent' })
  lineId?: string;

  @TextField({ required: true, maxLength: 1000, nonBlank: true, example: 'vCPU hours' })
  description!: string;

  @QuantityField({ example: '2.5', description: 'Positive decimal: at most 9 integer digits and 6 decimals' })
  quantity!: number | string;

  @AmountField({
    example: '10.00',
    description: 'In the invoice currency; more decimals than that currency has is refused with 409 INVOICE.INVALID_AMOUNT',
  })
  unitPrice!: number | string;

  @EnumField(CURRENCIES, {
    example: 'EUR',
    description: 'When given, must be the invoice currency (409 INVOICE.CURRENCY_MISMATCH otherwise)',
  })
  currency?: string;

  @ApiPropertyOptional({ type: CloudResourceDto })
  @ValidateNested()
  @Type(() => CloudResourceDto)
  cloudResource?: CloudResourceDto;
}

export class VoidInvoiceDto {
  @TextField({ maxLength: 1000 })
  reason?: string;
}

export class InvoiceIdParam {
  @IdField({ required: true })
  id!: string;
}

export class InvoiceCommandResultDto {
  @ApiProperty() invoiceId!: string;
  @ApiProperty({ enum: STATUSES }) status!: string;
  @ApiPropertyOptional({ description: 'The line added (POST …/lines)' }) lineId?: string;
  @ApiPropertyOptional({ example: '25.00', description: 'Line total (POST …/lines)' }) amount?: string;
  @ApiPropertyOptional({ example: '125.00', description: 'Invoice total after the command' }) total?: string;
  @ApiProperty({ type: 'integer' }) version!: number;
  @ApiProperty({ type: 'integer', description: 'Global position of the last event: pass as minPosition to read it from the read model' })
  position!: number;
}

export class GetInvoiceQueryDto extends ProjectionReadQueryDto {}

export class ListInvoicesQueryDto extends IntersectionType(ProjectionReadQueryDto, PositionPageQueryDto) {
  @EnumField(STATUSES) status?: InvoiceStatus;
  @PatternField(PERIOD, 'a billing period YYYY-MM', { example: '2026-11' }) period?: string;
  @PatternField(/^[A-Z]{3}$/, 'an ISO 4217 code', { example: 'EUR' }) currency?: string;
}

class CloudResourceRefDto {
  @ApiProperty() resourceType!: string;
  @ApiPropertyOptional() resourceId?: string;
}

class InvoiceLineDto {
  @ApiProperty() lineId!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ example: '2.5' }) quantity!: string;
  @ApiProperty({ example: '10.00' }) unitPrice!: string;
  @ApiProperty({ example: '25.00' }) amount!: string;
  @ApiPropertyOptional({ type: CloudResourceRefDto }) cloudResource?: CloudResourceRefDto;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'What billed it (a workflow step)' })
  origin?: Record<string, unknown>;
}

class InvoiceBaseDto {
  @ApiProperty() invoiceId!: string;
  @ApiProperty({ example: '2026-11' }) period!: string;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ enum: STATUSES }) status!: string;
  @ApiProperty({ example: '125.00' }) total!: string;
  @ApiProperty({ type: 'integer' }) totalMinor!: number;
  @ApiProperty({ example: '0.00' }) paid!: string;
  @ApiProperty({ example: '125.00' }) balance!: string;
  @ApiPropertyOptional() voidReason?: string;
}

class InvoiceMetaDto extends InvoiceBaseDto {
  @ApiProperty() organizationId!: string;
  @ApiProperty({ type: 'integer' }) version!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: 'integer' }) createdPosition!: number;
}

export class InvoiceDto extends InvoiceMetaDto {
  @ApiProperty({ type: [InvoiceLineDto] }) lines!: InvoiceLineDto[];
}

export class InvoicePageDto {
  @ApiProperty({ type: 'integer', description: 'Exact number of matches' }) total!: number;
  @ApiProperty({ type: [InvoiceMetaDto], description: 'Without their lines (GET /v1/invoices/{id} has them)' }) items!: InvoiceMetaDto[];
  @NextCursorProperty() nextCursor!: string | null;
}

export class InvoiceReplayDto extends InvoiceBaseDto {
  @ApiProperty({ type: [InvoiceLineDto] }) lines!: InvoiceLineDto[];
  @ApiProperty({ type: 'integer' }) version!: number;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) asOf!: string | null;
}
