import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ConsumerGroups, type GroupDelivery } from '@gyroscops/projections';
import { groupOf } from '../../consumer-group.caller';
import { FetchDeliveriesCommand } from './fetch-deliveries.command';

/** Long poll: the consumer gets up to `max` events (one per aggregate), each its own until acknowledged, refused or lapsed. */
@CommandHandler(FetchDeliveriesCommand)
export class FetchDeliveriesHandler implements ICommandHandler<FetchDeliveriesCommand> {
  constructor(private readonly groups: ConsumerGroups) {}

  execute(c: FetchDeliveriesCommand): Promise<{ deliveries: GroupDelivery[]; position: number }> {
    const { ref, caller } = groupOf(c.name, c.organizationId);
    return this.groups.fetch(ref, caller, { consumer: c.consumer, max: c.max, waitMs: c.waitMs, signal: c.signal });
  }
}
