import { Query } from '@nestjs/cqrs';
import type { ConsumerGroupStatus } from '@gyroscops/projections';

export class ListConsumerGroupsQuery extends Query<ConsumerGroupStatus[]> {
  constructor(readonly organizationId?: string) {
    super();
  }
}
