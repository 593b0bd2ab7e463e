import { Command } from '@nestjs/cqrs';
import type { ConsumerGroupSpec, ConsumerGroupStatus } from '@gyroscops/projections';

export class PutConsumerGroupCommand extends Command<{ created: boolean; status: ConsumerGroupStatus }> {
  constructor(
    readonly name: string,
    readonly organizationId: string | undefined,
    readonly spec: ConsumerGroupSpec,
  ) {
    super();
  }
}
