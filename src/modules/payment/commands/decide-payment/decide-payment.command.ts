import { Command } from '@nestjs/cqrs';
import { deciderCommandName, type DeciderCommandMessage } from '@gyroscops/ddd';
import type { AppendResult } from '@gyroscops/event-store';
import type { PaymentCommand } from '../../domain/payment.decider';

/** A command of the payment decider on the command bus; metrics and traces name it after the command (`ProcessPaymentCommand`). */
export class DecidePaymentCommand extends Command<AppendResult> implements DeciderCommandMessage<PaymentCommand> {
  constructor(
    readonly commandId: string,
    readonly command: PaymentCommand,
  ) {
    super();
  }

  get commandName(): string {
    return deciderCommandName(this.command);
  }
}
