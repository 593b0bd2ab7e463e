import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PatternField } from '../../common/dto/fields';

export class RebuildProgressDto {
  @ApiProperty() rebuildId!: string;
  @ApiProperty({ enum: ['requested', 'running', 'failed', 'completed'] }) state!: 'requested' | 'running' | 'failed' | 'completed';
  @ApiProperty({ type: String, nullable: true, description: 'The fresh index being built' }) index!: string | null;
  @ApiProperty({ description: 'Global position the new index has reached' }) position!: number;
  @ApiProperty() headPosition!: number;
  @ApiProperty({ description: 'Log positions processed so far' }) eventsDone!: number;
  @ApiProperty() eventsPerSecond!: number;
  @ApiProperty({ description: 'headPosition - position' }) remaining!: number;
  @ApiProperty({ type: String, nullable: true }) startedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
}

export class RebuildRecordDto {
  @ApiProperty() id!: string;
  @ApiProperty() index!: string;
  @ApiProperty() position!: number;
  @ApiProperty() startedAt!: string;
  @ApiProperty() completedAt!: string;
}

export class ParkedEventDto {
  @ApiProperty() eventId!: string;
  @ApiProperty() eventType!: string;
  @ApiProperty() aggregateId!: string;
  @ApiProperty() position!: number;
  @ApiProperty() error!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty() parkedAt!: string;
}

export class ProjectionStatusDto {
  @ApiProperty({ example: 'invoices' }) name!: string;
  @ApiProperty({ enum: ['projection', 'saga'] }) kind!: 'projection' | 'saga';
  @ApiProperty({ description: 'Definition version of the read model being served' }) version!: number;
  @ApiProperty({ description: 'Checkpoint: every event up to this global position is applied (or handled)' }) position!: number;
  @ApiProperty() headPosition!: number;
  @ApiProperty({ description: 'headPosition - position' }) lag!: number;
  @ApiProperty({ enum: ['running', 'rebuilding', 'failed', 'stopped'] }) state!: 'running' | 'rebuilding' | 'failed' | 'stopped';
  @ApiProperty() eventsPerSecond!: number;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'The event a failed projection is stopped on' }) failedPosition!: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'Instance holding the lease' }) owner!: string | null;
  @ApiProperty({ type: String, nullable: true }) leaseExpiresAt!: string | null;
  @ApiProperty({ type: RebuildProgressDto, nullable: true }) rebuild!: RebuildProgressDto | null;
  @ApiProperty({ type: RebuildRecordDto, nullable: true }) lastRebuild!: RebuildRecordDto | null;
  @ApiPropertyOptional({ type: ParkedEventDto, isArray: true, description: 'Sagas: events whose handler kept failing, most recent first' })
  parked?: ParkedEventDto[];
  @ApiPropertyOptional({ description: 'Sagas: events parked in all' }) parkedCount?: number;
}

export class ProjectionNameParam {
  @PatternField(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'a projection name (1-64 lowercase letters, digits, "_" or "-")', {
    required: true,
    minLength: 1,
    maxLength: 64,
    example: 'invoices',
  })
  name!: string;
}

export class RebuildAcceptedDto {
  @ApiProperty() projection!: string;
  @ApiProperty({ description: 'Follow it in GET /v1/projections (rebuild.rebuildId, then lastRebuild.id)' }) rebuildId!: string;
}
