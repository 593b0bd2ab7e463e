import { Query } from '@nestjs/cqrs';
import type { paymentView } from '../../domain/payment.decider';

export type PaymentReplay = ReturnType<typeof paymentView> & { version: number; asOf: string | null };

export class ReplayPaymentQuery extends Query<PaymentReplay> {
  constructor(
    readonly paymentId: string,
    readonly version?: number,
    readonly at?: Date,
  ) {
    super();
  }
}
