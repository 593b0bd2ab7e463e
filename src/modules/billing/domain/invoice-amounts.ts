import { InvoiceErrors } from './invoice.errors';

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** `YYYY-MM`, month 01 to 12. */
export function parsePeriod(value: unknown): string {
  if (typeof value !== 'string' || !PERIOD.test(value)) throw InvoiceErrors.invalidPeriod(value);
  return value;
}

/** The billing period (UTC calendar month) a moment falls in. */
export function periodOf(at: Date): string {
  return at.toISOString().slice(0, 7);
}
