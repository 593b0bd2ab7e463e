import currencyCodes from 'currency-codes';
import { DomainError } from './domain-error';

/** Codes in ISO 4217 that are not money one can pay with (funds, metals, testing, "no currency"). */
const NOT_MONEY = new Set([
  'XXX',
  'XTS',
  'XAU',
  'XAG',
  'XPT',
  'XPD',
  'XDR',
  'XSU',
  'XUA',
  'XBA',
  'XBB',
  'XBC',
  'XBD',
  'BOV',
  'CLF',
  'COU',
  'MXV',
  'USN',
  'UYI',
  'UYW',
  'CHE',
  'CHW',
]);
const MAX_INTEGER_DIGITS = 12;

/** Money is never a float: an integer number of minor units and an ISO 4217 currency. */
export interface Money {
  amountMinor: number;
  currency: string;
}

export class InvalidMoneyError extends DomainError {
  constructor(message: string, field = 'amount') {
    super('MONEY.INVALID', message, 400, [{ field, message }]);
  }
}

/** Minor-unit exponent of a currency (EUR 2, JPY 0, BHD 3); throws for unknown codes. */
export function currencyExponent(currency: unknown): number {
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency) || NOT_MONEY.has(currency)) {
    throw new InvalidMoneyError(`currency must be an ISO 4217 code such as EUR, got ${JSON.stringify(currency)?.slice(0, 20)}`, 'currency');
  }
  const found = currencyCodes.code(currency);
  if (!found) throw new InvalidMoneyError(`unknown currency ${currency}`, 'currency');
  return found.digits;
}

/**
 * Parses an amount given as a JSON number (`100`, `100.5`) or a decimal string (`"100.00"`) in `currency`.
 * Refuses floats' traps: exponents, NaN, infinities, negatives, zero (unless allowed) and more decimals than the
 * currency has (trailing zeros excepted).
 */
export function parseMoney(amount: unknown, currency: unknown, options: { allowZero?: boolean; field?: string } = {}): Money {
  const field = options.field ?? 'amount';
  const exponent = currencyExponent(currency);
  let text: string;
  if (typeof amount === 'number') {
    if (!Number.isFinite(amount)) throw new InvalidMoneyError(`${field} must be a finite number`, field);
    text = String(amount);
  } else if (typeof amount === 'string') {
    text = amount.trim();
  } else {
    throw new InvalidMoneyError(`${field} must be a decimal number or string such as "100.00"`, field);
  }
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m)
    throw new InvalidMoneyError(
      `${field} must be a positive decimal such as 100 or "100.00", got ${JSON.stringify(amount).slice(0, 40)}`,
      field,
    );
  const intPart = m[1].replace(/^0+(?=\d)/, '');
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  if (intPart.length > MAX_INTEGER_DIGITS)
    throw new InvalidMoneyError(`${field} is too large (at most ${MAX_INTEGER_DIGITS} integer digits)`, field);
  if (fraction.length > exponent)
    throw new InvalidMoneyError(`${field} has more than ${exponent} decimals, the precision of ${String(currency)}`, field);
  const amountMinor = Number(intPart) * 10 ** exponent + Number(fraction.padEnd(exponent, '0') || '0');
  if (amountMinor === 0 && !options.allowZero) throw new InvalidMoneyError(`${field} must be greater than zero`, field);
  return { amountMinor, currency: currency as string };
}

/** `{ 12345, EUR }` → `"123.45"`; `{ 5, JPY }` → `"5"`. */
export function formatMoney({ amountMinor, currency }: Money): string {
  const exponent = currencyExponent(currency);
  const sign = amountMinor < 0 ? '-' : '';
  const digits = String(Math.abs(amountMinor)).padStart(exponent + 1, '0');
  return exponent === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}
