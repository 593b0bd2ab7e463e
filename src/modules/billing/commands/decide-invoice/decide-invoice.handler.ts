import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DeciderCommandHandler, redecide, type ConflictPolicy } from '@gyroscops/ddd';
import { CONFLICT_ATTEMPTS, INVOICE_REPOSITORY, type InvoiceRepository } from '../../billing.tokens';
import type { InvoiceCommand, InvoiceState } from '../../domain/invoice.decider';
import type { InvoiceEvent } from '../../domain/invoice.events';
import { DecideInvoiceCommand, type InvoiceCommandResult } from './decide-invoice.command';

/** Every invoice command decides again on a conflict, for its own reason; the busy ones get more attempts. */
export const INVOICE_CONFLICTS: Readonly<Record<InvoiceCommand['kind'], ConflictPolicy>> = {
  // A concurrent creation then answers INVOICE.ALREADY_EXISTS, not a bare conflict.
  CreateInvoice: redecide(),
  // Status, duplicates and totals are checked again against the newer state (lines from concurrent sagas).
  AddInvoiceLine: redecide(CONFLICT_ATTEMPTS),
  // A line that landed meanwhile is part of what gets issued; a second issue is refused.
  IssueInvoice: redecide(),
  // A payment applied meanwhile makes the void refused, never silently lost.
  VoidInvoice: redecide(),
  // Concurrent payments of one invoice are decided again on the newer state: running sums stay exact.
  ApplyInvoicePayment: redecide(CONFLICT_ATTEMPTS),
};

/** Every invoice command: load the invoice, decide, append. */
@CommandHandler(DecideInvoiceCommand)
export class DecideInvoiceHandler
  extends DeciderCommandHandler<InvoiceState, InvoiceCommand, InvoiceEvent>
  implements ICommandHandler<DecideInvoiceCommand>
{
  constructor(@Inject(INVOICE_REPOSITORY) invoices: InvoiceRepository) {
    super(invoices, { streamOf: (command) => command.invoiceId, conflictOf: (command) => INVOICE_CONFLICTS[command.kind] });
  }

  execute<C extends InvoiceCommand>(message: DecideInvoiceCommand<C>): Promise<InvoiceCommandResult<C>> {
    // A payment the invoice has already counted (the saga's redelivery, under another command id) decides nothing;
    // every other command appends or is refused. TypeScript cannot narrow C from the kind, hence the assertion.
    const result = message.command.kind === 'ApplyInvoicePayment' ? this.decide(message) : this.append(message);
    return result as Promise<InvoiceCommandResult<C>>;
  }
}
