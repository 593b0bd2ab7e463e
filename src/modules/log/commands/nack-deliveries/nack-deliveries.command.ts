import { Command } from '@nestjs/cqrs';
import type { NackOutcome } from '@gyroscops/projections';

export class NackDeliveriesCommand extends Command<NackOutcome> {
  constructor(
    readonly name: string,
    readonly organizationId: string | undefined,
    readonly deliveryIds: string[],
    readonly options: { consumer: string | null; reason?: string; park?: boolean },
  ) {
    super();
  }
}
