import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { paymentView } from '../../domain/payment.decider';
import { PaymentErrors } from '../../domain/payment.errors';
import { PAYMENT_REPOSITORY, type PaymentRepository } from '../../payment.tokens';
import { ReplayPaymentQuery, type PaymentReplay } from './replay-payment.query';

/** The payment's state rebuilt from its events as of a version or a moment: the audit trail as a debugger. */
@QueryHandler(ReplayPaymentQuery)
export class ReplayPaymentHandler implements IQueryHandler<ReplayPaymentQuery> {
  constructor(@Inject(PAYMENT_REPOSITORY) private readonly payments: PaymentRepository) {}

  async execute({ paymentId, version, at }: ReplayPaymentQuery): Promise<PaymentReplay> {
    const loaded = await this.payments.load(paymentId, { toVersion: version, at });
    if (loaded.version === 0) {
      // Unknown payment, or one that did not exist yet at that moment.
      throw at ? PaymentErrors.notFoundAt(paymentId, at) : PaymentErrors.notFound(paymentId);
    }
    return { ...paymentView(loaded.state), version: loaded.version, asOf: loaded.lastEvent?.timestamp ?? null };
  }
}
