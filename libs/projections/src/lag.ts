import type { ProjectionStatus } from './projection-status';

export interface LagReport {
  /** True when a projection lags beyond the threshold or is stopped on a failure. */
  degraded: boolean;
  lagThreshold: number;
  projections: { name: string; lag: number; state: string; lastError: string | null }[];
}

/** Which projections (not sagas) a readiness check should report: lag above `threshold`, or failed. */
export function lagReport(statuses: readonly ProjectionStatus[], threshold: number): LagReport {
  const bad = statuses.filter((s) => s.kind === 'projection' && (s.lag > threshold || s.state === 'failed'));
  return {
    degraded: bad.length > 0,
    lagThreshold: threshold,
    projections: bad.map((s) => ({ name: s.name, lag: s.lag, state: s.state, lastError: s.lastError })),
  };
}
