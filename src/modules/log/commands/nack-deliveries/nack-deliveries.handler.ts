import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ConsumerGroups, type NackOutcome } from '@gyroscops/projections';
import { groupOf } from '../../consumer-group.caller';
import { NackDeliveriesCommand } from './nack-deliveries.command';

@CommandHandler(NackDeliveriesCommand)
export class NackDeliveriesHandler implements ICommandHandler<NackDeliveriesCommand> {
  constructor(private readonly groups: ConsumerGroups) {}

  execute(c: NackDeliveriesCommand): Promise<NackOutcome> {
    const { ref, caller } = groupOf(c.name, c.organizationId);
    return this.groups.nack(ref, caller, c.deliveryIds, c.options);
  }
}
