import { DomainError } from './domain-error';

/** At most this many decimals in a quantity of units (GB-hours to the micro unit), and this many integer digits. */
export const QUANTITY_MAX_DECIMALS = 6;
export const QUANTITY_MAX_INTEGER_DIGITS = 9;

export class InvalidQuantityError extends DomainError {
  constructor(message: string, field = 'quantity') {
    super('QUANTITY.INVALID', message, 400, [{ field, message }]);
  }
}

/** A positive quantity as an exact decimal, `digits / 10^scale`: never a float. */
export interface Quantity {
  /** Normalised decimal text: no leading zeros, no trailing fractional zeros (`"2.5"`, `"3"`). */
  text: string;
  digits: bigint;
  scale: number;
}

/** Parses `2`, `2.5` or `"2.500"`: a positive decimal with at most 6 decimals and 9 integer digits. */
export function parseQuantity(value: unknown, field = 'quantity'): Quantity {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidQuantityError(`${field} must be a finite number`, field);
    text = String(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    throw new InvalidQuantityError(`${field} must be a decimal number or string such as "2.5"`, field);
  }
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m)
    throw new InvalidQuantityError(
      `${field} must be a positive decimal such as 2 or "2.5", got ${JSON.stringify(value)?.slice(0, 40)}`,
      field,
    );
  const int = m[1].replace(/^0+(?=\d)/, '');
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  if (int.length > QUANTITY_MAX_INTEGER_DIGITS)
    throw new InvalidQuantityError(`${field} has more than ${QUANTITY_MAX_INTEGER_DIGITS} integer digits`, field);
  if (fraction.length > QUANTITY_MAX_DECIMALS)
    throw new InvalidQuantityError(`${field} has more than ${QUANTITY_MAX_DECIMALS} decimals`, field);
  const digits = BigInt(int + fraction);
  if (digits === 0n) throw new InvalidQuantityError(`${field} must be greater than zero`, field);
  return { text: fraction ? `${int}.${fraction}` : int, digits, scale: fraction.length };
}

/**
 * quantity × unit price in minor units, rounded half to even (banker's rounding) to a whole minor unit: a half
 * cent goes to the even cent, so rounding does not drift one way over many lines. Exact: big integers only.
 */
export function multiplyMinorHalfEven(quantity: Quantity, unitMinor: number): bigint {
  const product = quantity.digits * BigInt(unitMinor);
  const divisor = 10n ** BigInt(quantity.scale);
  const quotient = product / divisor;
  const twiceRemainder = (product % divisor) * 2n;
  if (twiceRemainder > divisor || (twiceRemainder === divisor && quotient % 2n === 1n)) return quotient + 1n;
  return quotient;
}
