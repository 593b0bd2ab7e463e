import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ProjectionEngine } from '@gyroscops/projections';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, type EventStore, type StreamRetention } from '@gyroscops/event-store';
import { readScopeOf, writeContextOf } from '@gyroscops/ddd';
import { Roles } from '../../auth/access.decorators';
import { ApiErrors } from '../../common/openapi/api-errors.decorator';
import { AggregateIdParam } from './events.dto';
import {
  DeleteStreamQuery,
  EraseSubjectDto,
  ErasureReportDto,
  RestoreStreamDto,
  ScavengeReportDto,
  SetRetentionDto,
  StreamMetadataDto,
  SubjectIdParam,
} from './stream-lifecycle.dto';

/**
 * Data lifecycle of streams (admin): deletion, restoration, retention, scavenging. Each change is recorded in the
 * `gyroscops.stream-lifecycle` stream with who, when and why.
 */
@ApiTags('stream lifecycle')
@Controller('v1')
export class StreamLifecycleController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly modules: ModuleRef,
  ) {}

  @Get('aggregates/:aggregateId/metadata')
  @Roles('reader')
  @ApiOperation({ summary: "A stream's version, retention and deletion state" })
  @ApiOkResponse({ type: StreamMetadataDto })
  metadata(@Param() { aggregateId }: AggregateIdParam): Promise<StreamMetadataDto> {
    return this.store.getStreamMetadata(aggregateId, readScopeOf());
  }

  @Delete('aggregates/:aggregateId')
  @Roles('admin')
  @ApiOperation({ summary: 'Delete a stream: soft (hidden, restorable) or hard (tombstone, payloads purged from every index)' })
  @ApiOkResponse({ type: StreamMetadataDto })
  @ApiErrors({ 409: 'StreamProtected: the admin stream of lifecycle changes', 410: 'StreamDeleted: the stream is already hard-deleted' })
  delete(@Param() { aggregateId }: AggregateIdParam, @Query() q: DeleteStreamQuery): Promise<StreamMetadataDto> {
    return this.store.deleteStream(aggregateId, { mode: q.mode, reason: q.reason, context: writeContextOf() });
  }

  @Post('aggregates/:aggregateId/restore')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Undo a soft delete (what scavenging has removed does not come back)' })
  @ApiOkResponse({ type: StreamMetadataDto })
  @ApiErrors({
    409: 'StreamProtected: the admin stream of lifecycle changes',
    410: 'StreamDeleted: a hard-deleted stream cannot be restored',
  })
  restore(@Param() { aggregateId }: AggregateIdParam, @Body() body: RestoreStreamDto): Promise<StreamMetadataDto> {
    return this.store.restoreStream(aggregateId, { reason: body.reason, context: writeContextOf() });
  }

  @Put('aggregates/:aggregateId/retention')
  @Roles('admin')
  @ApiOperation({ summary: "Set a stream's retention (replaces it; absent fields are cleared); reads honour it at once" })
  @ApiOkResponse({ type: StreamMetadataDto })
  @ApiErrors({ 409: 'StreamProtected: the admin stream of lifecycle changes', 410: 'StreamDeleted: the stream is hard-deleted' })
  retention(@Param() { aggregateId }: AggregateIdParam, @Body() body: SetRetentionDto): Promise<StreamMetadataDto> {
    const retention: StreamRetention = {};
    if (body.maxAge !== undefined) retention.maxAge = body.maxAge;
    if (body.maxCount !== undefined) retention.maxCount = body.maxCount;
    if (body.truncateBefore !== undefined) retention.truncateBefore = body.truncateBefore;
    return this.store.setStreamRetention(aggregateId, retention, { reason: body.reason, context: writeContextOf() });
  }

  @Post('admin/scavenge')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({
    summary: 'Remove from disk what retention, soft deletion and the telemetry retention hide; answers what it freed',
  })
  @ApiOkResponse({ type: ScavengeReportDto })
  scavenge(): Promise<ScavengeReportDto> {
    return this.store.scavenge();
  }

  @Post('admin/subjects/:subjectId/erase')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({
    summary:
      "GDPR erasure: delete the data subject's key (its personal sections read as erased from now on), its streams' snapshots, " +
      'and rebuild every projection so no read model keeps a copy; recorded without personal data',
  })
  @ApiOkResponse({ type: ErasureReportDto })
  async erase(@Param() { subjectId }: SubjectIdParam, @Body() body: EraseSubjectDto): Promise<ErasureReportDto> {
    const report = await this.store.eraseSubject(subjectId, { reason: body.reason, context: writeContextOf() });
    const engine = this.modules.get(ProjectionEngine, { strict: false });
    const projections = (await engine.status()).filter((s) => s.kind === 'projection').map((s) => s.name);
    for (const name of projections) await engine.requestRebuild(name);
    return { ...report, rebuildsRequested: projections };
  }
}
