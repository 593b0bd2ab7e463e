import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { AppendResult } from '@gyroscops/event-store';
import { Roles } from '../../auth/access.decorators';
import { ApiIdempotencyKey, CommandId } from '../../common/commands/command-id';
import { HistoryEntryDto } from '../../common/dto/history.dto';
import { ReplayQueryDto } from '../../common/dto/replay-query.dto';
import { ApiErrors } from '../../common/openapi/api-errors.decorator';
import { ApiProjectionRead, MinPosition, readYourWriteLink } from '../../common/read-models/min-position';
import { instantOf, timeRangeOf } from '../../common/time/time-bound';
import { DecideWorkflowCommand, type WorkflowCommandInput } from './commands/decide-workflow/decide-workflow.command';
import { GetWorkflowQuery } from './queries/get-workflow/get-workflow.query';
import { ListWorkflowsQuery } from './queries/list-workflows/list-workflows.query';
import { ReplayWorkflowQuery } from './queries/replay-workflow/replay-workflow.query';
import { WorkflowHistoryQuery } from './queries/workflow-history/workflow-history.query';
import {
  CancelWorkflowDto,
  CompleteStepDto,
  FailStepDto,
  GetWorkflowQueryDto,
  ListWorkflowsQueryDto,
  StartWorkflowDto,
  WorkflowCommandResultDto,
  WorkflowDto,
  WorkflowIdParam,
  WorkflowPageDto,
  WorkflowReplayDto,
  WorkflowStepParam,
} from './workflow.dto';

class WorkflowHistoryDto {
  @ApiProperty() workflowId!: string;
  @ApiProperty({ type: [HistoryEntryDto], description: 'Oldest first' }) history!: HistoryEntryDto[];
}
const REFUSALS =
  'WORKFLOW.STEP_OUT_OF_ORDER, WORKFLOW.STEP_ALREADY_COMPLETED, WORKFLOW.STEP_FAILED, WORKFLOW.STEP_NOT_FAILED, WORKFLOW.AWAITING_PAYMENT, WORKFLOW.CANCELLED, WORKFLOW.COMPLETED';

/** The answer to a command, from what it recorded (also when an Idempotency-Key repeat replays it). */
function resultOf(r: AppendResult): WorkflowCommandResultDto {
  const first = r.events[0].eventData;
  const last = r.events[r.events.length - 1].eventData;
  const status = String(last.status);
  const current =
    first.currentStepId ?? first.nextStepId ?? (status === 'running' && typeof first.stepId === 'string' ? first.stepId : null);
  return {
    workflowId: r.aggregateId,
    status,
    currentStepId: status === 'running' ? (current as string | null) : null,
    version: r.version,
    position: r.position,
  };
}

@ApiTags('workflows')
@Controller('v1/workflows')
export class WorkflowController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  private async decide(commandId: string, command: WorkflowCommandInput): Promise<WorkflowCommandResultDto> {
    return resultOf(await this.commands.execute(new DecideWorkflowCommand(commandId, command)));
  }

  @Post()
  @HttpCode(201)
  @Roles('writer')
  @ApiIdempotencyKey()
  @ApiOperation({ summary: 'Start a workflow with its ordered steps; the first becomes current (WorkflowStarted)' })
  @ApiCreatedResponse({ type: WorkflowCommandResultDto, links: readYourWriteLink('WorkflowController_get', 'workflowId') })
  @ApiErrors({ 409: 'WORKFLOW.ALREADY_STARTED' })
  async start(@Body() body: StartWorkflowDto, @CommandId() commandId: string): Promise<WorkflowCommandResultDto> {
    const workflowId = body.workflowId ?? `wf-${randomUUID()}`;
    const steps = body.steps.map((s) => ({ id: s.id, name: s.name, kind: s.kind }));
    return this.decide(commandId, { kind: 'StartWorkflow', workflowId, steps, name: body.name });
  }

  @Post(':id/steps/:stepId/complete')
  @HttpCode(200)
  @Roles('writer')
  @ApiIdempotencyKey()
  @ApiOperation({
    summary:
      'Complete the current step with its output (WorkflowStepCompleted). A provision-resource step is billed and the workflow waits for the payment',
  })
  @ApiOkResponse({ type: WorkflowCommandResultDto })
  @ApiErrors({ 404: 'WORKFLOW.NOT_FOUND, WORKFLOW.STEP_NOT_FOUND', 409: REFUSALS })
  async complete(
    @Param() { id, stepId }: WorkflowStepParam,
    @Body() body: CompleteStepDto,
    @CommandId() commandId: string,
  ): Promise<WorkflowCommandResultDto> {
    return this.decide(commandId, { kind: 'CompleteStep', workflowId: id, stepId, output: body.output });
  }

  @Post(':id/steps/:stepId/fail')
  @HttpCode(200)
  @Roles('writer')
  @ApiIdempotencyKey()
  @ApiOperation({ summary: 'Record that the current step failed (WorkflowStepFailed); retry it or cancel the workflow' })
  @ApiOkResponse({ type: WorkflowCommandResultDto })
  @ApiErrors({ 404: 'WORKFLOW.NOT_FOUND, WORKFLOW.STEP_NOT_FOUND', 409: REFUSALS })
  async fail(
    @Param() { id, stepId }: WorkflowStepParam,
    @Body() body: FailStepDto,
    @CommandId() commandId: string,
  ): Promise<WorkflowCommandResultDto> {
    const error = { message: body.error.message, ...(body.error.code ? { code: body.error.code } : {}) };
    return this.decide(commandId, { kind: 'FailStep', workflowId: id, stepId, error });
  }

  @Post(':id/steps/:stepId/retry')
  @HttpCode(200)
  @Roles('writer')
  @ApiIdempotencyKey()
  @ApiOperation({ summary: 'Retry the failed step: a new attempt, the step current again (WorkflowStepRetried)' })
  @ApiOkResponse({ type: WorkflowCommandResultDto })
  @ApiErrors({ 404: 'WORKFLOW.NOT_FOUND, WORKFLOW.STEP_NOT_FOUND', 409: REFUSALS })
  async retry(@Param() { id, stepId }: WorkflowStepParam, @CommandId() commandId: string): Promise<WorkflowCommandResultDto> {
    return this.decide(commandId, { kind: 'RetryStep', workflowId: id, stepId });
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Roles('writer')
  @ApiIdempotencyKey()
  @ApiOperation({ summary: 'Cancel a running, failed or waiting workflow (WorkflowCancelled)' })
  @ApiOkResponse({ type: WorkflowCommandResultDto })
  @ApiErrors({ 404: 'WORKFLOW.NOT_FOUND', 409: 'WORKFLOW.CANCELLED, WORKFLOW.COMPLETED' })
  async cancel(
    @Param() { id }: WorkflowIdParam,
    @Body() body: CancelWorkflowDto,
    @CommandId() commandId: string,
  ): Promise<WorkflowCommandResultDto> {
    return this.decide(commandId, { kind: 'CancelWorkflow', workflowId: id, reason: body.reason });
  }

  @Get()
  @Roles('reader')
  @ApiProjectionRead()
  @ApiOperation({ summary: "The caller's organization's workflows, newest first, by status and creation time (read model)" })
  @ApiOkResponse({ type: WorkflowPageDto })
  async list(@Query() q: ListWorkflowsQueryDto, @MinPosition() minPosition: number | undefined) {
    return this.queries.execute(
      new ListWorkflowsQuery({ status: q.status, range: timeRangeOf(q), size: q.size, cursor: q.cursor, minPosition }),
    );
  }

  @Get(':id')
  @Roles('reader')
  @ApiProjectionRead()
  @ApiOperation({ summary: 'A workflow with its steps, their outputs, errors and attempts (read model)' })
  @ApiOkResponse({ type: WorkflowDto })
  @ApiErrors({ 404: 'WORKFLOW.NOT_FOUND' })
  async get(@Param() { id }: WorkflowIdParam, @Query() _q: GetWorkflowQueryDto, @MinPosition() minPosition: number | undefined) {
    return this.queries.execute(new GetWorkflowQuery(id, minPosition));
  }

  @Get(':id/history')
  @Roles('reader')
  @ApiOperation({ summary: "The workflow's events, oldest first (audit trail)" })
  @ApiOkResponse({ type: WorkflowHistoryDto })
  @ApiErrors({ 404: 'WORKFLOW.NOT_FOUND' })
  async history(@Param() { id }: WorkflowIdParam): Promise<WorkflowHistoryDto> {
    return this.queries.execute(new WorkflowHistoryQuery(id));
  }

  @Get(':id/replay')
  @Roles('reader')
  @ApiOperation({ summary: "The workflow's state rebuilt from its events as of a version or an RFC 3339 instant" })
  @ApiOkResponse({ type: WorkflowReplayDto })
  @ApiErrors({ 404: 'WORKFLOW.NOT_FOUND (unknown, or not yet started at that moment)' })
  async replay(@Param() { id }: WorkflowIdParam, @Query() q: ReplayQueryDto) {
    return this.queries.execute(new ReplayWorkflowQuery(id, q.version, q.at !== undefined ? instantOf(q.at) : undefined));
  }
}
