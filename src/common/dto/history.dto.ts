import { ApiProperty } from '@nestjs/swagger';

/** One event of an aggregate's audit trail (`historyEntry` of libs/ddd), as the history endpoints answer it. */
export class HistoryEntryDto {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ example: 'PaymentProcessed' }) eventType!: string;
  @ApiProperty({ type: 'integer', minimum: 1 }) version!: number;
  @ApiProperty({ type: 'integer', minimum: 1, description: 'Global position' }) position!: number;
  @ApiProperty({ format: 'date-time' }) timestamp!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The event data' }) data!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'userId, organizationId, source and any other metadata' })
  metadata!: Record<string, unknown>;
  @ApiProperty() correlationId!: string;
  @ApiProperty({ type: 'string', nullable: true, description: 'The command or event that caused it' }) causationId!: string | null;
}

/** A timeline entry: a history entry with the aggregate it belongs to. */
export class TimelineEntryDto extends HistoryEntryDto {
  @ApiProperty() aggregateId!: string;
  @ApiProperty() aggregateType!: string;
}
