import { Command } from '@nestjs/cqrs';
import { deciderCommandName, type DeciderCommandMessage } from '@gyroscops/ddd';
import type { AppendResult } from '@gyroscops/event-store';
import type { InvoiceCommand } from '../../domain/invoice.decider';

/** What a command's append answers: null for a payment the invoice has already counted (nothing new decided). */
export type InvoiceCommandResult<C extends InvoiceCommand> = C extends { kind: 'ApplyInvoicePayment' } ? AppendResult | null : AppendResult;

/** A command of the invoice decider on the command bus; metrics and traces name it after the command (`CreateInvoiceCommand`). */
export class DecideInvoiceCommand<C extends InvoiceCommand = InvoiceCommand>
  extends Command<InvoiceCommandResult<C>>
  implements DeciderCommandMessage<InvoiceCommand>
{
  constructor(
    readonly commandId: string,
    readonly command: C,
  ) {
    super();
  }

  get commandName(): string {
    return deciderCommandName(this.command);
  }
}
