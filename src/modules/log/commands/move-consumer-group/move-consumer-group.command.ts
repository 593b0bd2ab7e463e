import { Command } from '@nestjs/cqrs';
import type { ConsumerGroupStatus, StartFrom } from '@gyroscops/projections';

export class MoveConsumerGroupCommand extends Command<ConsumerGroupStatus> {
  constructor(
    readonly name: string,
    readonly organizationId: string | undefined,
    readonly position: StartFrom,
  ) {
    super();
  }
}
