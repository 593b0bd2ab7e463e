import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { EventSourcedRepository } from '@gyroscops/ddd';
import type { AppendResult } from '@gyroscops/event-store';
import type { PaymentCommand, PaymentState } from '../../domain/payment.decider';
import type { PaymentEvent } from '../../domain/payment.events';
import { PAYMENT_REPOSITORY } from '../../payment.tokens';
import { RefundPaymentCommand } from './refund-payment.command';

@CommandHandler(RefundPaymentCommand)
export class RefundPaymentHandler implements ICommandHandler<RefundPaymentCommand, AppendResult> {
  constructor(@Inject(PAYMENT_REPOSITORY) private readonly payments: EventSourcedRepository<PaymentState, PaymentCommand, PaymentEvent>) {}

  async execute(c: RefundPaymentCommand): Promise<AppendResult> {
    // Safe to re-run on a conflict: the refund limit is checked again against the newer state.
    const { result } = await this.payments.execute(
      c.paymentId,
      { kind: 'RefundPayment', paymentId: c.paymentId, amount: c.amount, reason: c.reason },
      { commandId: c.commandId, retryOnConflict: true },
    );
    return result as AppendResult;
  }
}
