import { formatMoney } from '@gyroscops/ddd';

/**
 * A sum of integer minor units as a decimal string in the currency's precision (`12345`, EUR → `"123.45"`);
 * null when the code is not a currency (events appended raw may carry anything), the minor units still exact.
 */
export function moneyText(amountMinor: number, currency: string): string | null {
  try {
    return formatMoney({ amountMinor, currency });
  } catch {
    return null;
  }
}

/** A ratio rounded to 6 decimals (null when the denominator is 0). */
export function ratio(numerator: number, denominator: number): number | null {
  if (denominator === 0) return null;
  return Math.round((numerator / denominator) * 1e6) / 1e6;
}
