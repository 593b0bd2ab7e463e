import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ConsumerGroups, ProjectionEngine } from '@gyroscops/projections';
import { groupOf } from '../../consumer-group.caller';
import { SkipParkedEventCommand } from './skip-parked-event.command';

/** Gives up on a parked event: it leaves the parked list and is never handled or delivered again. */
@CommandHandler(SkipParkedEventCommand)
export class SkipParkedEventHandler implements ICommandHandler<SkipParkedEventCommand> {
  constructor(
    private readonly groups: ConsumerGroups,
    private readonly engine: ProjectionEngine,
  ) {}

  execute({ target, eventId }: SkipParkedEventCommand): Promise<void> {
    if (target.kind === 'saga') return this.engine.skipSagaParked(target.name, eventId);
    const { ref, caller } = groupOf(target.name, target.organizationId);
    return this.groups.skipParked(ref, caller, eventId);
  }
}
