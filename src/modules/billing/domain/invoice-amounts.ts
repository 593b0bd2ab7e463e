import { InvoiceErrors } from './invoice.errors';

/** At most this many decimals in a quantity (e.g. GB-hours to the micro unit), and this many integer digits. */
export const QUANTITY_MAX_DECIMALS = 6;
const QUANTITY_MAX_INTEGER_DIGITS = 9;
const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** A quantity as an exact decimal: `digits / 10^scale` (no floats anywhere). */
export interface Quantity {
  /** Normalised decimal text: no leading zeros, no trailing fractional zeros (`"2.5"`, `"3"`). */
  text: string;
  digits: bigint;
  scale: number;
}

/** Parses `2`, `2.5` or `"2.500"`: a positive decimal with at most 6 decimals. */
export function parseQuantity(value: unknown): Quantity {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw InvoiceErrors.invalidQuantity('quantity must be a finite number');
    text = String(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    throw InvoiceErrors.invalidQuantity('quantity must be a decimal number or string such as "2.5"');
  }
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m)
    throw InvoiceErrors.invalidQuantity(
      `quantity must be a positive decimal such as 2 or "2.5", got ${JSON.stringify(value).slice(0, 40)}`,
    );
  const int = m[1].replace(/^0+(?=\d)/, '');
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  if (int.length > QUANTITY_MAX_INTEGER_DIGITS)
    throw InvoiceErrors.invalidQuantity(`quantity has more than ${QUANTITY_MAX_INTEGER_DIGITS} integer digits`);
  if (fraction.length > QUANTITY_MAX_DECIMALS)
    throw InvoiceErrors.invalidQuantity(`quantity has more than ${QUANTITY_MAX_DECIMALS} decimals`);
  const digits = BigInt(int + fraction);
  if (digits === 0n) throw InvoiceErrors.invalidQuantity('quantity must be greater than zero');
  return { text: fraction ? `${int}.${fraction}` : int, digits, scale: fraction.length };
}

/**
 * quantity × unit price, in minor units of the currency, rounded half to even (banker's rounding) at the
 * currency's exponent: 0.5 cent goes to the even cent, so rounding errors do not drift one way over many lines.
 * Exact: computed on big integers, never on floats.
 */
export function lineAmountMinor(quantity: Quantity, unitPriceMinor: number): bigint {
  const product = quantity.digits * BigInt(unitPriceMinor);
  const divisor = 10n ** BigInt(quantity.scale);
  const quotient = product / divisor;
  const twiceRemainder = (product % divisor) * 2n;
  if (twiceRemainder > divisor || (twiceRemainder === divisor && quotient % 2n === 1n)) return quotient + 1n;
  return quotient;
}

/** `YYYY-MM`, month 01 to 12. */
export function parsePeriod(value: unknown): string {
  if (typeof value !== 'string' || !PERIOD.test(value)) throw InvoiceErrors.invalidPeriod(value);
  return value;
}

/** The billing period (UTC calendar month) a moment falls in. */
export function periodOf(at: Date): string {
  return at.toISOString().slice(0, 7);
}
