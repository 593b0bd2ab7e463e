/**
 * Significant decimals of a decimal amount (`"10.500"` → 1, `1.25` → 2), or null when it is not a plain decimal.
 * Lets a decider tell "more decimals than this currency has" (the request is fine, the resource's currency
 * refuses it: 409) from a malformed amount (400), which parseMoney reports alike.
 */
export function significantDecimals(amount: unknown): number | null {
  const text =
    typeof amount === 'number' ? (Number.isFinite(amount) ? String(amount) : '') : typeof amount === 'string' ? amount.trim() : '';
  const m = /^\d+(?:\.(\d+))?$/.exec(text);
  if (!m) return null;
  return (m[1] ?? '').replace(/0+$/, '').length;
}
