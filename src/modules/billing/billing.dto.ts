import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidateNested } from 'class-validator';
import { AGGREGATE_ID_PATTERN } from '@gyroscops/event-store';
import { MinPositionQuery } from '@gyroscops/projections';
import { IsAmount } from '../../common/commands/amount.validator';
import type { InvoiceStatus } from './domain/invoice.events';

const ID_MESSAGE = 'must be 1-256 characters of letters, digits and . _ : @ -, starting with a letter or digit';
const STATUSES: InvoiceStatus[] = ['draft', 'issued', 'partially_paid', 'paid', 'voided'];
const AMOUNT = { oneOf: [{ type: 'number' }, { type: 'string' }] };

export class CreateInvoiceDto {
  @ApiPropertyOptional({ description: 'Chosen by the client, or generated' })
  @IsOptional()
  @Matches(AGGREGATE_ID_PATTERN, { message: `invoiceId ${ID_MESSAGE}` })
  invoiceId?: string;

  @ApiProperty({ example: '2026-11', description: 'Billing period, YYYY-MM' })
  @IsString()
  period!: string;

  @ApiProperty({ example: 'EUR', description: 'ISO 4217: every amount of the invoice is in it' })
  @IsString()
  currency!: string;
}

export class CloudResourceDto {
  @ApiProperty({ example: 'vm' })
  @IsString()
  @Length(1, 200)
  resourceType!: string;

  @ApiPropertyOptional({ example: 'vm-42' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  resourceId?: string;
}

export class AddInvoiceLineDto {
  @ApiPropertyOptional({ description: 'Unique in the invoice; generated when absent' })
  @IsOptional()
  @Matches(AGGREGATE_ID_PATTERN, { message: `lineId ${ID_MESSAGE}` })
  lineId?: string;

  @ApiProperty({ maxLength: 1000, example: 'vCPU hours' })
  @IsString()
  @Length(1, 1000)
  description!: string;

  @ApiProperty({ ...AMOUNT, example: '2.5', description: 'Positive decimal, at most 6 decimals' })
  @IsAmount({ message: 'quantity must be a number or a decimal string such as "2.5"' })
  quantity!: number | string;

  @ApiProperty({ ...AMOUNT, example: '10.00', description: 'In the invoice currency, at most its precision' })
  @IsAmount({ message: 'unitPrice must be a number or a decimal string such as "10.00"' })
  unitPrice!: number | string;

  @ApiPropertyOptional({ example: 'EUR', description: 'When given, must be the invoice currency (INVOICE.CURRENCY_MISMATCH otherwise)' })
  @IsOptional()
  @IsString()
  currency?: string;

  @ApiPropertyOptional({ type: CloudResourceDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => CloudResourceDto)
  cloudResource?: CloudResourceDto;
}

export class VoidInvoiceDto {
  @ApiPropertyOptional({ maxLength: 1000 })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  reason?: string;
}

export class InvoiceIdParam {
  @ApiProperty()
  @Matches(AGGREGATE_ID_PATTERN, { message: `id ${ID_MESSAGE}` })
  id!: string;
}

export class InvoiceCommandResultDto {
  @ApiProperty() invoiceId!: string;
  @ApiProperty({ enum: STATUSES }) status!: string;
  @ApiPropertyOptional({ description: 'The line added (POST …/lines)' }) lineId?: string;
  @ApiPropertyOptional({ example: '25.00', description: 'Line total (POST …/lines)' }) amount?: string;
  @ApiPropertyOptional({ example: '125.00', description: 'Invoice total after the command' }) total?: string;
  @ApiProperty() version!: number;
  @ApiProperty({ description: 'Global position of the last event: pass as minPosition to read it from the read model' }) position!: number;
}

export class GetInvoiceQueryDto extends MinPositionQuery {}

export class ListInvoicesQueryDto extends MinPositionQuery {
  @ApiPropertyOptional({ enum: STATUSES }) @IsOptional() @IsIn(STATUSES) status?: InvoiceStatus;
  @ApiPropertyOptional({ example: '2026-11' })
  @IsOptional()
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'period must be YYYY-MM' })
  period?: string;
  @ApiPropertyOptional({ example: 'EUR' })
  @IsOptional()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code' })
  currency?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  size?: number;
  @ApiPropertyOptional({ minimum: 0, description: 'Offset: the `next` of the previous page' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(9000)
  from?: number;
}
