import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ConsumerGroups } from '@gyroscops/projections';
import { groupOf } from '../../consumer-group.caller';
import { DeleteConsumerGroupCommand } from './delete-consumer-group.command';

@CommandHandler(DeleteConsumerGroupCommand)
export class DeleteConsumerGroupHandler implements ICommandHandler<DeleteConsumerGroupCommand> {
  constructor(private readonly groups: ConsumerGroups) {}

  execute({ name, organizationId }: DeleteConsumerGroupCommand): Promise<void> {
    const { ref, caller } = groupOf(name, organizationId);
    return this.groups.remove(ref, caller);
  }
}
