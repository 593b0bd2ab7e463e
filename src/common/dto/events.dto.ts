import { ApiProperty } from '@nestjs/swagger';
import type { JsonObject } from '@gyroscops/event-store';
import { NextCursorProperty } from './list-query.dto';

/** Events as the API answers them (stream reads, searches, correlations): the store's StoredEvent. */
export class EventMetadataDto {
  @ApiProperty() userId!: string;
  @ApiProperty() organizationId!: string;
  @ApiProperty({ example: 'api' }) source!: string;
}

export class PersonalDataReadDto {
  @ApiProperty() subjectId!: string;
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true }) data!: Record<string, unknown> | null;
  @ApiProperty({ required: false }) erased?: boolean;
}

export class EventEnvelopeDto {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty() aggregateId!: string;
  @ApiProperty() aggregateType!: string;
  @ApiProperty() eventType!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) eventData!: JsonObject;
  @ApiProperty({ type: 'integer' }) version!: number;
  @ApiProperty({ type: 'integer' }) position!: number;
  @ApiProperty({ format: 'date-time' }) timestamp!: string;
  @ApiProperty() correlationId!: string;
  @ApiProperty({ nullable: true, type: String }) causationId!: string | null;
  @ApiProperty({ type: 'integer' }) schemaVersion!: number;
  @ApiProperty({ type: EventMetadataDto, description: 'userId, organizationId, source and any other metadata' })
  metadata!: EventMetadataDto;

  @ApiProperty({
    type: () => PersonalDataReadDto,
    required: false,
    description: "The event's personal section: `data` is null and `erased` true once its subject is erased",
  })
  personal?: PersonalDataReadDto;
}

export class EventPageDto {
  @ApiProperty({ type: 'integer', description: 'Exact number of matches' }) total!: number;
  @ApiProperty({ type: [EventEnvelopeDto] }) events!: EventEnvelopeDto[];
  @NextCursorProperty() nextCursor!: string | null;
}

export class EventListDto {
  @ApiProperty({ type: [EventEnvelopeDto] }) events!: EventEnvelopeDto[];
}
