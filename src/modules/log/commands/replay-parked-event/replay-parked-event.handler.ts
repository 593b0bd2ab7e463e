import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ConsumerGroups, ProjectionEngine } from '@gyroscops/projections';
import { groupOf } from '../../consumer-group.caller';
import { ReplayParkedEventCommand } from './replay-parked-event.command';

/**
 * A saga's parked event is handled again by the instance holding the saga; a group's is delivered again to its
 * consumers, ahead of the group's other events of that aggregate.
 */
@CommandHandler(ReplayParkedEventCommand)
export class ReplayParkedEventHandler implements ICommandHandler<ReplayParkedEventCommand> {
  constructor(
    private readonly groups: ConsumerGroups,
    private readonly engine: ProjectionEngine,
  ) {}

  execute({ target, eventId }: ReplayParkedEventCommand): Promise<void> {
    if (target.kind === 'saga') return this.engine.replaySagaParked(target.name, eventId);
    const { ref, caller } = groupOf(target.name, target.organizationId);
    return this.groups.replayParked(ref, caller, eventId);
  }
}
