/** Shared formatting: timestamps as the API gives them (UTC, RFC 3339), durations in human units. */

export function formatTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const sign = ms < 0 ? '-' : '';
  let v = Math.abs(ms);
  if (v < 1000) return `${sign}${Math.round(v)} ms`;
  v /= 1000;
  if (v < 60) return `${sign}${v.toFixed(v < 10 ? 2 : 1)} s`;
  v /= 60;
  if (v < 60) return `${sign}${v.toFixed(1)} min`;
  v /= 60;
  if (v < 48) return `${sign}${v.toFixed(1)} h`;
  return `${sign}${(v / 24).toFixed(1)} d`;
}

export function formatNumber(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined) return '–';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function formatRatio(r: number | null | undefined): string {
  if (r === null || r === undefined) return '–';
  return `${(r * 100).toFixed(2)} %`;
}

/** A value of a datetime-local input (local wall clock) as an RFC 3339 instant the API accepts. */
export function localInputToInstant(v: string): string | undefined {
  if (!v) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** The aggregate types whose state the API can replay, and where. */
export const REPLAY_PATHS: Record<string, string> = {
  Payment: '/v1/payments',
  Invoice: '/v1/invoices',
  Workflow: '/v1/workflows',
};

/** A stable colour class per aggregate type (module), for badges and tree nodes. */
export function moduleClass(aggregateType: string): string {
  switch (aggregateType) {
    case 'Payment':
      return 'mod-payment';
    case 'Invoice':
      return 'mod-billing';
    case 'Workflow':
      return 'mod-workflow';
    default:
      return 'mod-other';
  }
}
