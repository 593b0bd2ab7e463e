import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ConsumerGroups, ProjectionEngine } from '@gyroscops/projections';
import { groupOf } from '../../consumer-group.caller';
import { ListParkedEventsQuery, type ParkedEvents } from './list-parked-events.query';

@QueryHandler(ListParkedEventsQuery)
export class ListParkedEventsHandler implements IQueryHandler<ListParkedEventsQuery> {
  constructor(
    private readonly groups: ConsumerGroups,
    private readonly engine: ProjectionEngine,
  ) {}

  execute({ target }: ListParkedEventsQuery): Promise<ParkedEvents> {
    if (target.kind === 'saga') return this.engine.sagaParked(target.name);
    const { ref, caller } = groupOf(target.name, target.organizationId);
    return this.groups.parked(ref, caller);
  }
}
