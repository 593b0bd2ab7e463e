import { Query } from '@nestjs/cqrs';

export interface CurrencyRefunds {
  /** PaymentProcessed events and their exact sum. */
  payments: number;
  paid: string | null;
  paidMinor: number;
  /** PaymentRefunded events and their exact sum. */
  refunds: number;
  refunded: string | null;
  refundedMinor: number;
  /** refunded / paid over the range, 6 decimals; null when nothing was paid. */
  ratio: number | null;
}

export interface RefundRatio {
  currencies: Record<string, CurrencyRefunds>;
}

export interface RefundRatioParams {
  from?: string;
  to?: string;
  timeZone?: string;
}

export class RefundRatioQuery extends Query<RefundRatio> {
  constructor(readonly params: RefundRatioParams) {
    super();
  }
}
