import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../common/openapi/api-errors.decorator';
import { ProjectionEngine } from '@gyroscops/projections';
import { Roles } from '../../auth/access.decorators';
import { ExpensiveOperation } from '../../rate-limit/expensive-operation.decorator';
import { ProjectionNameParam, ProjectionStatusDto, RebuildAcceptedDto } from './projections.dto';

@ApiTags('projections')
@Controller('v1/projections')
export class ProjectionsController {
  constructor(private readonly engine: ProjectionEngine) {}

  @Get()
  @Roles('admin')
  @ApiOperation({
    summary: 'Status of every projection and saga: position, lag, state, throughput, errors, rebuild progress, parked events',
  })
  @ApiOkResponse({ type: ProjectionStatusDto, isArray: true })
  status(): Promise<ProjectionStatusDto[]> {
    return this.engine.status();
  }

  @Post(':name/rebuild')
  @HttpCode(202)
  @Roles('admin')
  @ExpensiveOperation()
  @ApiOperation({
    summary: 'Rebuild a projection blue/green',
    description:
      'Builds a fresh index from position 0 while the current one keeps serving, then swaps the alias atomically. ' +
      'The instance holding the projection performs it; progress shows in GET /v1/projections. A rebuild already running is not restarted.',
  })
  @ApiAcceptedResponse({ type: RebuildAcceptedDto })
  @ApiErrors({ 404: 'PROJECTION.NOT_FOUND' })
  async rebuild(@Param() params: ProjectionNameParam): Promise<RebuildAcceptedDto> {
    const { rebuildId } = await this.engine.requestRebuild(params.name);
    return { projection: params.name, rebuildId };
  }
}
