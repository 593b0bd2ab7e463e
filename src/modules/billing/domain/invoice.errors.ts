import { DomainError } from '@gyroscops/ddd';

export class InvoiceError extends DomainError {}

export const InvoiceErrors = {
  notFound: (id: string) => new InvoiceError('INVOICE.NOT_FOUND', `Invoice ${id} not found`, 404),
  notFoundAt: (id: string, at: Date) => new InvoiceError('INVOICE.NOT_FOUND', `Invoice ${id} did not exist at ${at.toISOString()}`, 404),
  alreadyExists: (id: string) => new InvoiceError('INVOICE.ALREADY_EXISTS', `Invoice ${id} already exists`, 409),
  invalidPeriod: (period: unknown) =>
    new InvoiceError('INVOICE.INVALID_PERIOD', `period must be YYYY-MM, got ${JSON.stringify(period)?.slice(0, 20)}`, 400, [
      { field: 'period', message: 'must be YYYY-MM' },
    ]),
  invalidLine: (field: string, message: string) => new InvoiceError('INVOICE.INVALID_LINE', message, 400, [{ field, message }]),
  // 409: whether a line fits depends on the invoice's running total.
  amountTooLarge: (id: string) =>
    new InvoiceError('INVOICE.AMOUNT_TOO_LARGE', `The amounts of invoice ${id} would exceed what can be counted exactly`, 409),
  invalidAmount: (id: string, currency: string, exponent: number) =>
    new InvoiceError('INVOICE.INVALID_AMOUNT', `Invoice ${id} is in ${currency}, which has ${exponent} decimals`, 409, [
      { field: 'unitPrice', message: `at most ${exponent} decimals in ${currency}`, currency, decimals: exponent },
    ]),
  alreadyIssued: (id: string, status: string) =>
    new InvoiceError('INVOICE.ALREADY_ISSUED', `Invoice ${id} is ${status}: lines are added to drafts only`, 409, { status }),
  empty: (id: string) => new InvoiceError('INVOICE.EMPTY', `Invoice ${id} has no lines and cannot be issued`, 409),
  voided: (id: string) => new InvoiceError('INVOICE.VOIDED', `Invoice ${id} is voided`, 409),
  alreadyPaid: (id: string) => new InvoiceError('INVOICE.ALREADY_PAID', `Invoice ${id} is paid`, 409),
  hasPayments: (id: string) =>
    new InvoiceError('INVOICE.HAS_PAYMENTS', `Invoice ${id} is partially paid: refund its payments before voiding it`, 409),
  notIssued: (id: string) => new InvoiceError('INVOICE.NOT_ISSUED', `Invoice ${id} is a draft: issue it before it can be paid`, 409),
  currencyMismatch: (id: string, invoiceCurrency: string, given: string) =>
    new InvoiceError('INVOICE.CURRENCY_MISMATCH', `Invoice ${id} is in ${invoiceCurrency}, not ${given}`, 409, {
      invoiceCurrency,
      currency: given,
    }),
  duplicateLine: (id: string, lineId: string) =>
    new InvoiceError('INVOICE.DUPLICATE_LINE', `Invoice ${id} already has a line ${lineId}`, 409, { lineId }),
  tooManyLines: (id: string, max: number) => new InvoiceError('INVOICE.TOO_MANY_LINES', `Invoice ${id} has reached ${max} lines`, 409),
};
