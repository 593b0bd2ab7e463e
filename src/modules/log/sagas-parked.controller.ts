import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../auth/access.decorators';
import { ApiErrors } from '../../common/openapi/api-errors.decorator';
import { ReplayParkedEventCommand } from './commands/replay-parked-event/replay-parked-event.command';
import { SkipParkedEventCommand } from './commands/skip-parked-event/skip-parked-event.command';
import { SagaNameParam, SagaParkedEventParam, SagaParkedListDto } from './consumer-groups.dto';
import { ListParkedEventsQuery } from './queries/list-parked-events/list-parked-events.query';

/** The internal sagas' parked events (handlers that kept failing), with the same list, replay and skip as consumer groups. */
@ApiTags('projections')
@Controller('v1/sagas')
export class SagasParkedController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get(':name/parked')
  @Roles('admin')
  @ApiOperation({ summary: 'Events a saga parked (most recent first), and replays waiting to run' })
  @ApiOkResponse({ type: SagaParkedListDto })
  @ApiErrors({ 404: 'SAGA.NOT_FOUND' })
  async parked(@Param() { name }: SagaNameParam): Promise<SagaParkedListDto> {
    const r = await this.queries.execute(new ListParkedEventsQuery({ kind: 'saga', name }));
    return { saga: name, parked: r.parked, parkedCount: r.parkedCount, replayRequested: r.replayRequested ?? [] };
  }

  @Post(':name/parked/:eventId/replay')
  @HttpCode(202)
  @Roles('admin')
  @ApiOperation({
    summary: 'Run a saga’s handler again on a parked event',
    description:
      'The instance holding the saga does it at its next step: handled, the event leaves the parked list; failing again ' +
      '(maxAttempts tries), it is parked again with the new error. Follow it in GET /v1/sagas/{name}/parked.',
  })
  @ApiAcceptedResponse({ description: 'Replay requested' })
  @ApiErrors({ 404: 'SAGA.NOT_FOUND, or PARKED_EVENT.NOT_FOUND' })
  async replay(@Param() p: SagaParkedEventParam): Promise<void> {
    await this.commands.execute(new ReplayParkedEventCommand({ kind: 'saga', name: p.name }, p.eventId));
  }

  @Post(':name/parked/:eventId/skip')
  @HttpCode(204)
  @Roles('admin')
  @ApiOperation({ summary: 'Give up on a saga’s parked event: it leaves the parked list without being handled' })
  @ApiNoContentResponse({ description: 'Skipped' })
  @ApiErrors({ 404: 'SAGA.NOT_FOUND, or PARKED_EVENT.NOT_FOUND' })
  async skip(@Param() p: SagaParkedEventParam): Promise<void> {
    await this.commands.execute(new SkipParkedEventCommand({ kind: 'saga', name: p.name }, p.eventId));
  }
}
