import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ConsumerGroups, type ConsumerGroupStatus } from '@gyroscops/projections';
import { groupOf } from '../../consumer-group.caller';
import { MoveConsumerGroupCommand } from './move-consumer-group.command';

/** Sets the checkpoint (replay from the beginning, skip to the end, or any position); what was pending is dropped. */
@CommandHandler(MoveConsumerGroupCommand)
export class MoveConsumerGroupHandler implements ICommandHandler<MoveConsumerGroupCommand> {
  constructor(private readonly groups: ConsumerGroups) {}

  execute({ name, organizationId, position }: MoveConsumerGroupCommand): Promise<ConsumerGroupStatus> {
    const { ref, caller } = groupOf(name, organizationId);
    return this.groups.move(ref, caller, position);
  }
}
