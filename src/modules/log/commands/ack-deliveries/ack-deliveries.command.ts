import { Command } from '@nestjs/cqrs';
import type { AckOutcome } from '@gyroscops/projections';

export class AckDeliveriesCommand extends Command<AckOutcome> {
  constructor(
    readonly name: string,
    readonly organizationId: string | undefined,
    readonly deliveryIds: string[],
    readonly consumer: string | null,
  ) {
    super();
  }
}
