import { Query } from '@nestjs/cqrs';
import type { ParkedList } from '@gyroscops/projections';
import type { ParkedTarget } from '../../parked-target';

export type ParkedEvents = ParkedList & { saga?: string; replayRequested?: string[] };

export class ListParkedEventsQuery extends Query<ParkedEvents> {
  constructor(readonly target: ParkedTarget) {
    super();
  }
}
