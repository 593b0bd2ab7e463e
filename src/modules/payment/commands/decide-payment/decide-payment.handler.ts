import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DeciderCommandHandler, redecide } from '@gyroscops/ddd';
import type { AppendResult } from '@gyroscops/event-store';
import type { PaymentCommand, PaymentState } from '../../domain/payment.decider';
import type { PaymentEvent } from '../../domain/payment.events';
import { PAYMENT_REPOSITORY, type PaymentRepository } from '../../payment.tokens';
import { DecidePaymentCommand } from './decide-payment.command';

/** Every payment command: load the payment, decide, append. */
@CommandHandler(DecidePaymentCommand)
export class DecidePaymentHandler
  extends DeciderCommandHandler<PaymentState, PaymentCommand, PaymentEvent>
  implements ICommandHandler<DecidePaymentCommand>
{
  constructor(@Inject(PAYMENT_REPOSITORY) payments: PaymentRepository) {
    super(payments, {
      streamOf: (command) => command.paymentId,
      // Safe to decide again on a conflict: a concurrent processing is refused as PAYMENT.ALREADY_PROCESSED, and the
      // refund limit is checked again against what was refunded meanwhile.
      conflictOf: () => redecide(),
    });
  }

  execute(message: DecidePaymentCommand): Promise<AppendResult> {
    return this.append(message);
  }
}
