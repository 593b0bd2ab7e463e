import type { DomainEvent } from '@gyroscops/ddd';

export const INVOICE_AGGREGATE = 'Invoice';

export type InvoiceStatus = 'draft' | 'issued' | 'partially_paid' | 'paid' | 'voided';

/** What a line bills for, when it is a cloud resource. */
export interface CloudResourceRef {
  resourceType: string;
  resourceId?: string;
  [key: string]: unknown;
}

/** Where a line comes from when a saga added it (the workflow step that provisioned the resource). */
export interface LineOrigin {
  workflowId: string;
  stepId: string;
  [key: string]: unknown;
}

export type InvoiceCreated = DomainEvent<
  'InvoiceCreated',
  { invoiceId: string; period: string; currency: string; status: 'draft'; total: string; totalMinor: number }
>;

/** `amount`/`amountMinor` are the line total; `total`/`totalMinor` the invoice total after the line. */
export type InvoiceLineAdded = DomainEvent<
  'InvoiceLineAdded',
  {
    invoiceId: string;
    lineId: string;
    period: string;
    currency: string;
    description: string;
    quantity: string;
    unitPrice: string;
    unitPriceMinor: number;
    amount: string;
    amountMinor: number;
    total: string;
    totalMinor: number;
    lineCount: number;
    cloudResource?: CloudResourceRef;
    origin?: LineOrigin;
  }
>;

export type InvoiceIssued = DomainEvent<
  'InvoiceIssued',
  { invoiceId: string; period: string; currency: string; status: 'issued'; total: string; totalMinor: number; lineCount: number }
>;

export type InvoiceVoided = DomainEvent<
  'InvoiceVoided',
  {
    invoiceId: string;
    period: string;
    currency: string;
    status: 'voided';
    previousStatus: InvoiceStatus;
    total: string;
    totalMinor: number;
    reason?: string;
  }
>;

/** A payment counted towards the invoice; `amount` is the payment, `paid` the running sum, `balance` what is left. */
export type InvoicePaymentApplied = DomainEvent<
  'InvoicePaymentApplied',
  {
    invoiceId: string;
    paymentId: string;
    period: string;
    currency: string;
    amount: string;
    amountMinor: number;
    paid: string;
    paidMinor: number;
    balance: string;
    balanceMinor: number;
    total: string;
    totalMinor: number;
    status: 'paid' | 'partially_paid';
    /** Paid beyond the total (a credit to give back or carry over). */
    overpaid?: string;
    overpaidMinor?: number;
  }
>;

/**
 * A payment that names this invoice but cannot count towards it (other currency, not issued, voided, already paid).
 * The money was taken by the payment, so the refusal is recorded, not dropped: someone has to refund or reassign it.
 * `currency` and `amount` are the payment's; `reason` is the error code the rule would have raised.
 */
export type InvoicePaymentRejected = DomainEvent<
  'InvoicePaymentRejected',
  {
    invoiceId: string;
    paymentId: string;
    period: string;
    amount: string;
    amountMinor: number;
    currency: string;
    invoiceCurrency: string;
    invoiceStatus: InvoiceStatus;
    reason: string;
    message: string;
  }
>;

export type InvoiceEvent =
  InvoiceCreated | InvoiceLineAdded | InvoiceIssued | InvoiceVoided | InvoicePaymentApplied | InvoicePaymentRejected;

export const INVOICE_EVENT_TYPES: InvoiceEvent['type'][] = [
  'InvoiceCreated',
  'InvoiceLineAdded',
  'InvoiceIssued',
  'InvoiceVoided',
  'InvoicePaymentApplied',
  'InvoicePaymentRejected',
];
