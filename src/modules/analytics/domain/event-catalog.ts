/**
 * The domain events the figures read, by their stored names: the event types are the modules' public contract
 * in the event store (modules never import each other's internals). Amounts are integer minor units
 * (`num.amountMinor`, `num.totalMinor`), so sums are exact without scripts.
 */
export const PAYMENT = {
  aggregateType: 'Payment',
  processed: 'PaymentProcessed',
  refunded: 'PaymentRefunded',
} as const;

export const BILLING = {
  aggregateType: 'Invoice',
  /** `totalMinor`: the invoice total, counted when issued. */
  issued: 'InvoiceIssued',
  /** `totalMinor`: taken back when an issued invoice is voided (`previousStatus: issued`; drafts never counted). */
  voided: 'InvoiceVoided',
  /** `amountMinor`: a payment counted towards an invoice. */
  paymentApplied: 'InvoicePaymentApplied',
  voidedAfterIssue: ['issued'],
} as const;

export const WORKFLOW = {
  aggregateType: 'Workflow',
  /** `stepKind`, `durationMs`. */
  stepCompleted: 'WorkflowStepCompleted',
  /** `stepKind`, `durationMs` (one failed attempt; a retried step may fail several times). */
  stepFailed: 'WorkflowStepFailed',
  /** `durationMs`: from start to completion of the whole workflow. */
  completed: 'WorkflowCompleted',
} as const;

/** Key of values absent from an event (no user, no currency): counted, never dropped. */
export const UNKNOWN_KEY = 'unknown';
