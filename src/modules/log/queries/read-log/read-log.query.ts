import { Query } from '@nestjs/cqrs';
import type { AllSlice } from '@gyroscops/event-store';
import type { LogFilter } from '@gyroscops/projections';

/** A page of the global log after a checkpoint, filtered and scoped to the caller's organization. */
export class ReadLogQuery extends Query<AllSlice> {
  constructor(
    readonly after: number,
    readonly limit: number,
    readonly filter: LogFilter,
  ) {
    super();
  }
}
