import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ConsumerGroups, type ConsumerGroupStatus } from '@gyroscops/projections';
import { groupOf } from '../../consumer-group.caller';
import { PutConsumerGroupCommand } from './put-consumer-group.command';

/** Creates the group (at its start position) or updates its filter and settings; a new filter applies from the checkpoint on. */
@CommandHandler(PutConsumerGroupCommand)
export class PutConsumerGroupHandler implements ICommandHandler<PutConsumerGroupCommand> {
  constructor(private readonly groups: ConsumerGroups) {}

  execute({ name, organizationId, spec }: PutConsumerGroupCommand): Promise<{ created: boolean; status: ConsumerGroupStatus }> {
    const { ref, caller } = groupOf(name, organizationId);
    return this.groups.upsert(ref, caller, spec);
  }
}
