import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { readScopeOf } from '@gyroscops/ddd';
import { ConsumerGroups, type ConsumerGroupStatus } from '@gyroscops/projections';
import { ListConsumerGroupsQuery } from './list-consumer-groups.query';

/** The groups of the caller's organization (admins: of the organization they name, including their all-organization groups). */
@QueryHandler(ListConsumerGroupsQuery)
export class ListConsumerGroupsHandler implements IQueryHandler<ListConsumerGroupsQuery> {
  constructor(private readonly groups: ConsumerGroups) {}

  execute({ organizationId }: ListConsumerGroupsQuery): Promise<ConsumerGroupStatus[]> {
    return this.groups.list(readScopeOf(), organizationId);
  }
}
