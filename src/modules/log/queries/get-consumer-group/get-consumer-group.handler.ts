import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ConsumerGroups, type ConsumerGroupStatus } from '@gyroscops/projections';
import { groupOf } from '../../consumer-group.caller';
import { GetConsumerGroupQuery } from './get-consumer-group.query';

@QueryHandler(GetConsumerGroupQuery)
export class GetConsumerGroupHandler implements IQueryHandler<GetConsumerGroupQuery> {
  constructor(private readonly groups: ConsumerGroups) {}

  execute({ name, organizationId }: GetConsumerGroupQuery): Promise<ConsumerGroupStatus> {
    const { ref, caller } = groupOf(name, organizationId);
    return this.groups.status(ref, caller);
  }
}
