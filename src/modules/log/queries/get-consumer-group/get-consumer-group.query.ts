import { Query } from '@nestjs/cqrs';
import type { ConsumerGroupStatus } from '@gyroscops/projections';

export class GetConsumerGroupQuery extends Query<ConsumerGroupStatus> {
  constructor(
    readonly name: string,
    readonly organizationId?: string,
  ) {
    super();
  }
}
