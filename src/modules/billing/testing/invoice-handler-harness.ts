import { randomUUID } from 'node:crypto';
import type { InvoiceRepository } from '../billing.tokens';
import { DecideInvoiceCommand } from '../commands/decide-invoice/decide-invoice.command';
import { DecideInvoiceHandler } from '../commands/decide-invoice/decide-invoice.handler';
import type { InvoiceCommand } from '../domain/invoice.decider';

/** Invoice commands through the module's handler, over `repo` (call it inside the caller's context). */
export function invoiceCommands(repo: InvoiceRepository) {
  const invoices = new DecideInvoiceHandler(repo);
  return <C extends InvoiceCommand>(command: C, commandId: string = randomUUID()) =>
    invoices.execute(new DecideInvoiceCommand(commandId, command));
}
