import { Command } from '@nestjs/cqrs';
import type { ParkedTarget } from '../../parked-target';

export class ReplayParkedEventCommand extends Command<void> {
  constructor(
    readonly target: ParkedTarget,
    readonly eventId: string,
  ) {
    super();
  }
}
