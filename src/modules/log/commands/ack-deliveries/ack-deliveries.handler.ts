import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ConsumerGroups, type AckOutcome } from '@gyroscops/projections';
import { groupOf } from '../../consumer-group.caller';
import { AckDeliveriesCommand } from './ack-deliveries.command';

@CommandHandler(AckDeliveriesCommand)
export class AckDeliveriesHandler implements ICommandHandler<AckDeliveriesCommand> {
  constructor(private readonly groups: ConsumerGroups) {}

  execute(c: AckDeliveriesCommand): Promise<AckOutcome> {
    const { ref, caller } = groupOf(c.name, c.organizationId);
    return this.groups.ack(ref, caller, c.deliveryIds, c.consumer);
  }
}
