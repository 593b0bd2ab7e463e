import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ReadModels } from '@gyroscops/projections';
import { PaymentErrors } from '../../domain/payment.errors';
import { PAYMENTS_READ_MODEL, paymentSummary, type PaymentDocument, type PaymentSummary } from '../../projections/payments.projection';
import { GetPaymentQuery } from './get-payment.query';

/** A payment from the read model (the caller's organization only); waits for `minPosition` when given. */
@QueryHandler(GetPaymentQuery)
export class GetPaymentHandler implements IQueryHandler<GetPaymentQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ paymentId, minPosition }: GetPaymentQuery): Promise<PaymentSummary> {
    const doc = await this.readModels.findById<PaymentDocument>(PAYMENTS_READ_MODEL, paymentId, { minPosition });
    if (!doc) throw PaymentErrors.notFound(paymentId);
    return paymentSummary(doc);
  }
}
