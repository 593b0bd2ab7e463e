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
  /** `stepKind`, and `durationMs` when the step ran before failing. */
  stepFailed: 'WorkflowStepFailed',
} as const;

/** Key of values absent from an event (no user, no currency): counted, never dropped. */
export const UNKNOWN_KEY = 'unknown';
