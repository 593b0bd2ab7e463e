import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { EventSourcedRepository } from '@gyroscops/ddd';
import type { AppendResult } from '@gyroscops/event-store';
import type { PaymentCommand, PaymentState } from '../../domain/payment.decider';
import type { PaymentEvent } from '../../domain/payment.events';
import { PAYMENT_REPOSITORY } from '../../payment.tokens';
import { ProcessPaymentCommand } from './process-payment.command';

@CommandHandler(ProcessPaymentCommand)
export class ProcessPaymentHandler implements ICommandHandler<ProcessPaymentCommand, AppendResult> {
  constructor(@Inject(PAYMENT_REPOSITORY) private readonly payments: EventSourcedRepository<PaymentState, PaymentCommand, PaymentEvent>) {}

  async execute(c: ProcessPaymentCommand): Promise<AppendResult> {
    const { result } = await this.payments.execute(
      c.paymentId,
      {
        kind: 'ProcessPayment',
        paymentId: c.paymentId,
        amount: c.amount,
        currency: c.currency,
        invoiceId: c.invoiceId,
        description: c.description,
      },
      { commandId: c.commandId },
    );
    return result as AppendResult;
  }
}
