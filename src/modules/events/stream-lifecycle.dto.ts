import { ApiProperty } from '@nestjs/swagger';
import { EnumField, IntegerField, SubjectIdField, TextField } from '../../common/dto/fields';

const MAX = Number.MAX_SAFE_INTEGER;

export class DeleteStreamQuery {
  @EnumField(['soft', 'hard'] as const, {
    required: true,
    description:
      '`soft`: hidden from reads and search, restorable, writable again after its last version. `hard`: a tombstone, never written again, payloads purged.',
  })
  mode!: 'soft' | 'hard';

  @TextField({ required: true, maxLength: 1000, nonBlank: true, description: 'Why (recorded in the admin stream)' })
  reason!: string;
}

export class RestoreStreamDto {
  @TextField({ required: true, maxLength: 1000, nonBlank: true, description: 'Why (recorded in the admin stream)' })
  reason!: string;
}

export class StreamRetentionDto {
  @IntegerField({ minimum: 1, maximum: MAX, description: 'Events older than this many seconds are no longer read' })
  maxAge?: number;

  @IntegerField({ minimum: 1, maximum: MAX, description: 'Only the last maxCount events are read' })
  maxCount?: number;

  @IntegerField({ minimum: 1, maximum: MAX, description: 'Events below this version are no longer read' })
  truncateBefore?: number;
}

export class SetRetentionDto extends StreamRetentionDto {
  @TextField({ required: true, maxLength: 1000, nonBlank: true, description: 'Why (recorded in the admin stream)' })
  reason!: string;
}

export class StreamMetadataDto {
  @ApiProperty() aggregateId!: string;
  @ApiProperty() aggregateType!: string;
  @ApiProperty() organizationId!: string;
  @ApiProperty({ type: 'integer', description: 'Last version written (hidden events included)' }) version!: number;
  @ApiProperty({ type: 'integer', description: 'Lowest version reads still show (maxAge aside)' }) firstVisibleVersion!: number;
  @ApiProperty({ type: StreamRetentionDto }) retention!: StreamRetentionDto;
  @ApiProperty({ enum: ['soft', 'hard'], nullable: true, type: 'string' }) deleted!: 'soft' | 'hard' | null;
}

export class ScavengeReportDto {
  @ApiProperty({ type: 'integer' }) streamsScanned!: number;
  @ApiProperty({ type: 'integer' }) streamsScavenged!: number;
  @ApiProperty({ type: 'integer' }) eventsRemoved!: number;
  @ApiProperty({
    type: 'integer',
    description: 'Of eventsRemoved, the events of telemetry types past their age (EVENT_STORE_TELEMETRY_RETENTION)',
  })
  telemetryEventsRemoved!: number;
  @ApiProperty({ type: 'integer', description: 'Log documents whose payload was removed or reduced' }) logDocumentsRewritten!: number;
  @ApiProperty({ type: 'integer', description: 'Approximate payload bytes removed' }) bytesFreed!: number;
  @ApiProperty({ type: 'integer' }) tookMs!: number;
}

export class SubjectIdParam {
  @SubjectIdField({ required: true })
  subjectId!: string;
}

export class EraseSubjectDto {
  @TextField({ required: true, maxLength: 1000, nonBlank: true, description: 'Why (recorded without personal data)' })
  reason!: string;
}

export class ErasureReportDto {
  @ApiProperty({ description: 'SHA-256 of the subject id: what the erasure record keeps' }) subjectHash!: string;
  @ApiProperty({ description: 'False when the subject had no key (no personal data stored, or already erased)' }) keyDeleted!: boolean;
  @ApiProperty({ type: 'integer', description: 'Streams holding events of the subject (their snapshots were deleted)' })
  streamsAffected!: number;
  @ApiProperty({ type: [String], description: 'Projections asked to rebuild, so no read model keeps a copy' }) rebuildsRequested!: string[];
}
