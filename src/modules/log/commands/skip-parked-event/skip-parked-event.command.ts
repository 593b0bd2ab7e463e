import { Command } from '@nestjs/cqrs';
import type { ParkedTarget } from '../../parked-target';

export class SkipParkedEventCommand extends Command<void> {
  constructor(
    readonly target: ParkedTarget,
    readonly eventId: string,
  ) {
    super();
  }
}
