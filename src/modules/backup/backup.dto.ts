import { ApiProperty } from '@nestjs/swagger';
import { PatternField, UuidField } from '../../common/dto/fields';

/** Snapshot names Elasticsearch accepts, kept simple: lowercase letters, digits, `-` and `_`. */
export const SNAPSHOT_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;
const SNAPSHOT_RULE = '1-100 characters of lowercase letters, digits, - and _, starting with a letter or digit';

export class StartBackupDto {
  @PatternField(SNAPSHOT_PATTERN, SNAPSHOT_RULE, {
    minLength: 1,
    maxLength: 100,
    description: 'Name of the backup (default: `<index prefix>-<UTC time>`)',
    example: 'nightly-2026-12-01',
  })
  snapshot?: string;
}

export class SnapshotParam {
  @PatternField(SNAPSHOT_PATTERN, SNAPSHOT_RULE, { required: true, minLength: 1, maxLength: 100 })
  snapshot!: string;
}

export class BackupJobIdParam {
  @UuidField({ required: true })
  jobId!: string;
}

export class BackupSummaryDto {
  @ApiProperty() snapshot!: string;
  @ApiProperty({ description: "The store's index prefix the backup was taken of" }) prefix!: string;
  @ApiProperty({ description: 'Elasticsearch snapshot state: SUCCESS when usable', example: 'SUCCESS' }) state!: string;
  @ApiProperty({ description: 'When the snapshot started (ISO 8601), empty when unknown' }) startedAt!: string;
  @ApiProperty({ type: 'integer', description: 'Indices in the backup' }) indices!: number;
  @ApiProperty({ type: 'integer', nullable: true, description: 'The position counter at the cut' }) counter!: number | null;
}

export class BackupListDto {
  @ApiProperty({ description: 'The snapshot repository (a filesystem repository under the nodes’ path.repo)' }) repository!: string;
  @ApiProperty({ type: [BackupSummaryDto], description: 'This store’s backups, oldest first' }) backups!: BackupSummaryDto[];
}

export class BackupResultDto {
  @ApiProperty() snapshot!: string;
  @ApiProperty({ type: [String] }) indices!: string[];
  @ApiProperty({ type: 'integer' }) shards!: number;
  @ApiProperty({ type: 'integer', description: 'How long appends waited while the consistent snapshot was taken' }) writesPausedMs!: number;
  @ApiProperty({ type: 'integer', description: 'The position counter at the cut' }) counter!: number;
  @ApiProperty({ type: 'integer', description: 'The highest log position at the cut' }) logHead!: number;
  @ApiProperty({ type: 'integer' }) tookMs!: number;
}

export class CheckItemDto {
  @ApiProperty({ enum: ['indices', 'counter', 'replay', 'heads'], type: 'string' }) name!: string;
  @ApiProperty() ok!: boolean;
  @ApiProperty() detail!: string;
}

export class CheckResultDto {
  @ApiProperty({ description: 'True when every item is ok' }) ok!: boolean;
  @ApiProperty({ type: [CheckItemDto] }) items!: CheckItemDto[];
  @ApiProperty({ type: 'integer' }) counter!: number;
  @ApiProperty({ type: 'integer' }) logHead!: number;
  @ApiProperty({ type: 'integer', description: 'Events replayed from the global log' }) events!: number;
  @ApiProperty({ type: 'integer' }) streams!: number;
  @ApiProperty({ type: 'integer' }) streamsWithLifecycle!: number;
  @ApiProperty({ type: 'integer', description: 'Appends the backup caught half-way, settled as the service would' }) leasesSettled!: number;
  @ApiProperty({ type: 'integer' }) tookMs!: number;
}

export class BackupJobDto {
  @ApiProperty({ format: 'uuid', description: 'Follow it with GET /v1/admin/backup-jobs/{jobId}' }) id!: string;
  @ApiProperty({ enum: ['backup', 'check'], type: 'string' }) kind!: 'backup' | 'check';
  @ApiProperty() snapshot!: string;
  @ApiProperty({ enum: ['running', 'succeeded', 'failed'], type: 'string' }) state!: 'running' | 'succeeded' | 'failed';
  @ApiProperty({ format: 'date-time' }) startedAt!: string;
  @ApiProperty({ format: 'date-time', required: false, description: 'Absent while running' }) finishedAt?: string;
  @ApiProperty({ type: [String], description: 'Progress lines, oldest first (the last 200): phases, shards done, bytes copied' })
  progress!: string[];
  @ApiProperty({ required: false, description: 'Why the job failed' }) error?: string;
  @ApiProperty({ type: BackupResultDto, required: false, description: 'A backup that succeeded' }) backup?: BackupResultDto;
  @ApiProperty({ type: CheckResultDto, required: false, description: 'A check that ran (failed when not ok)' }) check?: CheckResultDto;
}
