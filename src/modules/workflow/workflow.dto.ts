import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, ValidateBy, ValidateNested } from 'class-validator';
import { EnumField, IdField, ObjectField, PatternField, TextField } from '../../common/dto/fields';
import { NextCursorProperty, PositionPageQueryDto } from '../../common/dto/list-query.dto';
import { ProjectionReadQueryDto } from '../../common/read-models/min-position';
import type { WorkflowStatus } from './domain/workflow.events';
import { MAX_STEPS, STEP_ID, STEP_KIND } from './domain/workflow.validation';

const STEP_ID_RULE = '1-100 letters, digits, . _ : -, starting with a letter or digit';
const STATUSES: WorkflowStatus[] = ['running', 'failed', 'awaiting_payment', 'completed', 'cancelled'];

export class WorkflowStepDto {
  @PatternField(STEP_ID, STEP_ID_RULE, {
    required: true,
    minLength: 1,
    maxLength: 100,
    example: 'vm',
    description: 'Unique in the workflow',
  })
  id!: string;

  @TextField({ required: true, maxLength: 200, nonBlank: true, example: 'Provision the VM' })
  name!: string;

  @PatternField(STEP_KIND, '1-100 lowercase letters, digits, . _ -, starting with a letter or digit', {
    required: true,
    minLength: 1,
    maxLength: 100,
    example: 'provision-resource',
    description: '`provision-resource` steps bill their output and wait for the payment',
  })
  kind!: string;
}

export class StartWorkflowDto {
  @IdField({ description: 'Chosen by the client, or generated (`wf-<uuid>`)' })
  workflowId?: string;

  @TextField({ maxLength: 200 })
  name?: string;

  @ApiProperty({
    type: [WorkflowStepDto],
    minItems: 1,
    maxItems: MAX_STEPS,
    description:
      'Ordered: each step becomes current when the previous one is done. Step ids are unique in the workflow (a repeated id is refused with 400 WORKFLOW.INVALID_STEPS).',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_STEPS)
  @ValidateNested({ each: true })
  @Type(() => WorkflowStepDto)
  @ValidateBy({
    name: 'uniqueStepIds',
    validator: {
      validate: (steps: unknown) => !Array.isArray(steps) || new Set(steps.map((s: { id?: unknown }) => s?.id)).size === steps.length,
      defaultMessage: () => 'steps must have unique ids',
    },
  })
  steps!: WorkflowStepDto[];
}

export class CompleteStepDto {
  @ObjectField({
    required: true,
    example: { resourceType: 'vm', resourceId: 'vm-42', quantity: '730', unitPrice: '0.05', currency: 'EUR' },
    description:
      'Any object; for provision-resource steps { resourceType, quantity, unitPrice, currency, resourceId? } (400 WORKFLOW.INVALID_OUTPUT otherwise)',
  })
  output!: Record<string, unknown>;
}

export class StepErrorDto {
  @TextField({ required: true, maxLength: 2000, nonBlank: true }) message!: string;
  @TextField({ maxLength: 200 }) code?: string;
}

export class FailStepDto {
  @ApiProperty({ type: StepErrorDto })
  @ValidateBy({
    name: 'isObject',
    validator: {
      validate: (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v),
      defaultMessage: () => 'error must be an object such as { "message": "…" }',
    },
  })
  @ValidateNested()
  @Type(() => StepErrorDto)
  error!: StepErrorDto;
}

export class CancelWorkflowDto {
  @TextField({ maxLength: 1000 })
  reason?: string;
}

export class WorkflowIdParam {
  @IdField({ required: true })
  id!: string;
}

export class WorkflowStepParam extends WorkflowIdParam {
  @PatternField(STEP_ID, STEP_ID_RULE, { required: true, minLength: 1, maxLength: 100 })
  stepId!: string;
}

export class WorkflowCommandResultDto {
  @ApiProperty() workflowId!: string;
  @ApiProperty({ enum: STATUSES }) status!: string;
  @ApiPropertyOptional({ type: 'string', nullable: true, description: 'The step now actionable, if any' }) currentStepId?: string | null;
  @ApiProperty({ type: 'integer' }) version!: number;
  @ApiProperty({ type: 'integer', description: 'Global position of the last event: pass as minPosition to read it from the read model' })
  position!: number;
}

export class GetWorkflowQueryDto extends ProjectionReadQueryDto {}

export class ListWorkflowsQueryDto extends IntersectionType(ProjectionReadQueryDto, PositionPageQueryDto) {
  @EnumField(STATUSES) status?: WorkflowStatus;
}

class StepRecordErrorDto {
  @ApiProperty() message!: string;
  @ApiPropertyOptional() code?: string;
}

class WorkflowStepViewDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() kind!: string;
  @ApiProperty({ enum: ['pending', 'current', 'failed', 'completed'] }) status!: string;
  @ApiPropertyOptional({ type: 'integer' }) attempt?: number;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) output?: Record<string, unknown>;
  @ApiPropertyOptional({ type: StepRecordErrorDto }) error?: StepRecordErrorDto;
}

class WorkflowResumeDto {
  @ApiProperty() stepId!: string;
  @ApiProperty() invoiceId!: string;
  @ApiPropertyOptional() paymentId?: string;
}

class WorkflowBaseDto {
  @ApiProperty() workflowId!: string;
  @ApiPropertyOptional() name?: string;
  @ApiProperty({ enum: STATUSES }) status!: string;
  @ApiProperty({ type: 'string', nullable: true }) currentStepId!: string | null;
  @ApiPropertyOptional({ description: 'The step waiting for its invoice to be paid' }) awaitingPaymentFor?: string;
  @ApiProperty({ format: 'date-time' }) startedAt!: string;
  @ApiPropertyOptional({ type: [WorkflowResumeDto] }) resumedBy?: WorkflowResumeDto[];
  @ApiPropertyOptional() cancelReason?: string;
}

class WorkflowMetaDto extends WorkflowBaseDto {
  @ApiProperty() organizationId!: string;
  @ApiProperty({ type: 'integer' }) version!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: 'integer' }) createdPosition!: number;
}

export class WorkflowDto extends WorkflowMetaDto {
  @ApiProperty({ type: [WorkflowStepViewDto] }) steps!: WorkflowStepViewDto[];
}

export class WorkflowPageDto {
  @ApiProperty({ type: 'integer', description: 'Exact number of matches' }) total!: number;
  @ApiProperty({ type: [WorkflowMetaDto], description: 'Without their steps (GET /v1/workflows/{id} has them)' }) items!: WorkflowMetaDto[];
  @NextCursorProperty() nextCursor!: string | null;
}

export class WorkflowReplayDto extends WorkflowBaseDto {
  @ApiProperty({ type: [WorkflowStepViewDto] }) steps!: WorkflowStepViewDto[];
  @ApiProperty({ type: 'integer' }) version!: number;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) asOf!: string | null;
}
