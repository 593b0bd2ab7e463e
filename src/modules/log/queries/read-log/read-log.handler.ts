import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { readScopeOf } from '@gyroscops/ddd';
import { EVENT_STORE, type AllSlice, type EventStore } from '@gyroscops/event-store';
import { logEventMatcher, readFilteredLog } from '@gyroscops/projections';
import { ReadLogQuery } from './read-log.query';

/** Log events a request looks at, matching or not, before answering (a sparse filter answers promptly, and resumes). */
export const LOG_PAGE_SCAN = 10_000;

/**
 * The ordered global log as projections read it (gap-safe: a position that may still commit is never passed), with
 * the caller's filters and organization applied here, and a checkpoint that moves past what they left out.
 */
@QueryHandler(ReadLogQuery)
export class ReadLogHandler implements IQueryHandler<ReadLogQuery> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  execute({ after, limit, filter }: ReadLogQuery): Promise<AllSlice> {
    return readFilteredLog(this.store, logEventMatcher(filter, readScopeOf()), {
      after,
      limit,
      maxScanned: LOG_PAGE_SCAN,
      pageSize: Math.max(limit, 500),
    });
  }
}
