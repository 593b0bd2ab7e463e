import { Command } from '@nestjs/cqrs';
import type { AppendResult } from '@gyroscops/event-store';
import type { CloudResourceRef, LineOrigin } from '../../domain/invoice.events';

export interface BilledLine {
  invoiceId: string;
  lineId: string;
  /** The append that recorded the line; null when an earlier run of the same command already had. */
  result: AppendResult | null;
}

/**
 * Adds a line for a provisioned resource to the organization's open invoice of `period` in `currency`,
 * opening it when there is none. Sent by the provisioning saga; the organization is the caller's.
 */
export class BillProvisionedResourceCommand extends Command<BilledLine> {
  constructor(
    readonly commandId: string,
    readonly period: string,
    readonly currency: string,
    readonly line: {
      lineId: string;
      description: string;
      quantity: unknown;
      unitPrice: unknown;
      cloudResource: CloudResourceRef;
      origin: LineOrigin;
    },
  ) {
    super();
  }
}
