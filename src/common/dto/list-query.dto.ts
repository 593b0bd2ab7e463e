import { ApiProperty } from '@nestjs/swagger';
import { IntegerField, PatternField, TimeBoundField } from './fields';

/**
 * The API's one paging and one time-range convention, as query DTOs every list extends:
 * `size` (1-1000, default 100) and `cursor` (the `nextCursor` of the previous page; pages are keyset pages on an
 * immutable sort key, so they stay stable and go past 10,000 items), and `from`/`to` (see time/time-bound.ts).
 */

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export class TimeRangeQueryDto {
  @TimeBoundField({
    description: 'Inclusive start: an RFC 3339 date-time with its offset, or a date (from its first moment)',
    example: '2024-12-01',
  })
  from?: string;

  @TimeBoundField({
    description: 'Inclusive end: an RFC 3339 date-time with its offset, or a date (to its last moment)',
    example: '2024-12-31',
  })
  to?: string;
}

export class PageSizeQueryDto extends TimeRangeQueryDto {
  @IntegerField({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE, description: 'Items per page' })
  size?: number;
}

/**
 * Cursor of read-model lists (newest first): the creation position of the last item of the previous page. Any
 * such number is a valid place to resume from, so the schema says exactly what is accepted.
 */
export const POSITION_CURSOR = /^[1-9]\d{0,14}$/;

export class PositionPageQueryDto extends PageSizeQueryDto {
  @PatternField(POSITION_CURSOR, 'the nextCursor of the previous page (digits)', {
    description: 'The `nextCursor` of the previous page: items created before it',
  })
  cursor?: string;
}

/** Cursor of event searches: an opaque token of the event store (the sort key of the last hit). */
export const EVENT_CURSOR = /^[A-Za-z0-9_-]{1,2000}$/;

export class EventPageQueryDto extends PageSizeQueryDto {
  @PatternField(EVENT_CURSOR, 'the nextCursor of the previous page', {
    description: 'The `nextCursor` of the previous page (opaque). A cursor this service did not issue is refused with 400 InvalidQuery.',
  })
  cursor?: string;
}

/** `nextCursor` of every page answer: pass it back as `cursor`; null on the last page. */
export function NextCursorProperty(): PropertyDecorator {
  return ApiProperty({ type: 'string', nullable: true, description: 'Pass back as `cursor` for the next page; null on the last page' });
}
