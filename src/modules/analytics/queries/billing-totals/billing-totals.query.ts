import { Query } from '@nestjs/cqrs';

export interface AmountFigure {
  amount: string | null;
  amountMinor: number;
}

export interface PeriodTotals {
  /** InvoiceIssued: invoices issued and their totals. */
  issued: AmountFigure & { invoices: number };
  /** InvoiceVoided of issued invoices: taken back. */
  voided: AmountFigure & { invoices: number };
  /** issued - voided. */
  net: AmountFigure;
  /** InvoicePaymentApplied: payments counted towards invoices. */
  paid: AmountFigure & { payments: number };
}

export interface BillingTotals {
  /** organization → billing period (`YYYY-MM`) → currency → totals. */
  organizations: Record<string, Record<string, Record<string, PeriodTotals>>>;
}

export interface BillingTotalsParams {
  from?: string;
  to?: string;
  timeZone?: string;
}

export class BillingTotalsQuery extends Query<BillingTotals> {
  constructor(readonly params: BillingTotalsParams) {
    super();
  }
}
