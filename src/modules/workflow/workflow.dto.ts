import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { AGGREGATE_ID_PATTERN } from '@gyroscops/event-store';
import { MinPositionQuery } from '@gyroscops/projections';
import type { WorkflowStatus } from './domain/workflow.events';

const ID_MESSAGE = 'must be 1-256 characters of letters, digits and . _ : @ -, starting with a letter or digit';
const STEP_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;
const STATUSES: WorkflowStatus[] = ['running', 'failed', 'awaiting_payment', 'completed', 'cancelled'];

export class WorkflowStepDto {
  @ApiProperty({ example: 'vm' })
  @Matches(STEP_ID, { message: 'id must be 1-100 letters, digits, . _ : -' })
  id!: string;

  @ApiProperty({ example: 'Provision the VM' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ example: 'provision-resource', description: '`provision-resource` steps bill their output and wait for the payment' })
  @Matches(/^[a-z0-9][a-z0-9._-]{0,99}$/, { message: 'kind must be 1-100 lowercase letters, digits, . _ -' })
  kind!: string;
}

export class StartWorkflowDto {
  @ApiPropertyOptional({ description: 'Chosen by the client, or generated' })
  @IsOptional()
  @Matches(AGGREGATE_ID_PATTERN, { message: `workflowId ${ID_MESSAGE}` })
  workflowId?: string;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiProperty({ type: [WorkflowStepDto], description: 'Ordered: each step becomes current when the previous one is done' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => WorkflowStepDto)
  steps!: WorkflowStepDto[];
}

export class CompleteStepDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { resourceType: 'vm', resourceId: 'vm-42', quantity: '730', unitPrice: '0.05', currency: 'EUR' },
    description: 'Any object; for provision-resource steps { resourceType, quantity, unitPrice, currency, resourceId? }',
  })
  @IsObject()
  output!: Record<string, unknown>;
}

export class StepErrorDto {
  @ApiProperty({ maxLength: 2000 }) @IsString() @Length(1, 2000) message!: string;
  @ApiPropertyOptional({ maxLength: 200 }) @IsOptional() @IsString() @Length(1, 200) code?: string;
}

export class FailStepDto {
  @ApiProperty({ type: StepErrorDto })
  @IsObject({ message: 'error must be an object such as { "message": "…" }' })
  @ValidateNested()
  @Type(() => StepErrorDto)
  error!: StepErrorDto;
}

export class CancelWorkflowDto {
  @ApiPropertyOptional({ maxLength: 1000 })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  reason?: string;
}

export class WorkflowIdParam {
  @ApiProperty()
  @Matches(AGGREGATE_ID_PATTERN, { message: `id ${ID_MESSAGE}` })
  id!: string;
}

export class WorkflowStepParam extends WorkflowIdParam {
  @ApiProperty()
  @Matches(STEP_ID, { message: 'stepId must be 1-100 letters, digits, . _ : -' })
  stepId!: string;
}

export class WorkflowCommandResultDto {
  @ApiProperty() workflowId!: string;
  @ApiProperty({ enum: STATUSES }) status!: string;
  @ApiPropertyOptional({ description: 'The step now actionable, if any' }) currentStepId?: string | null;
  @ApiProperty() version!: number;
  @ApiProperty({ description: 'Global position of the last event: pass as minPosition to read it from the read model' }) position!: number;
}

export class GetWorkflowQueryDto extends MinPositionQuery {}

export class ListWorkflowsQueryDto extends MinPositionQuery {
  @ApiPropertyOptional({ enum: STATUSES }) @IsOptional() @IsIn(STATUSES) status?: WorkflowStatus;
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
