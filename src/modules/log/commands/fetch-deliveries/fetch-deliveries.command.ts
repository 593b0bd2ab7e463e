import { Command } from '@nestjs/cqrs';
import type { GroupDelivery } from '@gyroscops/projections';

export class FetchDeliveriesCommand extends Command<{ deliveries: GroupDelivery[]; position: number }> {
  constructor(
    readonly name: string,
    readonly organizationId: string | undefined,
    readonly consumer: string,
    readonly max: number,
    readonly waitMs: number,
    /** Aborted when the client disconnects: the wait ends and nothing is handed to it. */
    readonly signal: AbortSignal,
  ) {
    super();
  }
}
