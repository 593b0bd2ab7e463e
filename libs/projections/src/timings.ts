/**
 * How often runners talk to Elasticsearch, and the bounds that follow from it.
 *
 * - A lease lasts `leaseMs` (5 s) and its holder renews it every `renewIntervalMs` (1.5 s), so two renewals
 *   may fail (a GC pause, a slow Elasticsearch) before it is lost.
 * - The holder stops writing on its own once `leaseMs - safetyMarginMs` have passed since the last renewal
 *   it sent succeeded, i.e. before any other instance may take over (clocks are assumed NTP-synced:
 *   skew well under the margin).
 * - Instances without the lease try to take it every `acquireIntervalMs` (1 s): after a crash, another
 *   instance takes over within `leaseMs + acquireIntervalMs` (≈ 6 s); after a clean release within
 *   `acquireIntervalMs` (≈ 1 s).
 * - Holders are woken at once by `notify()` and otherwise poll the head of the log every
 *   `pollIntervalMs` (250 ms), so another instance's event reaches the read model within ≈ 0.3 s plus one
 *   batch under light load.
 */
export interface ProjectionTimings {
  leaseMs: number;
  renewIntervalMs: number;
  safetyMarginMs: number;
  acquireIntervalMs: number;
  pollIntervalMs: number;
  /** Log positions read per batch by a live runner. */
  batchSize: number;
  /** Log positions read per batch while rebuilding. */
  rebuildBatchSize: number;
  /** Log positions read per batch by a saga (handlers run one by one, so smaller). */
  sagaBatchSize: number;
  /** Attempts on one failing batch (projection) or event (saga) before failing or parking it. */
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Default bound of `waitForPosition`. */
  waitTimeoutMs: number;
  /** How often `waitForPosition` reads the checkpoint of a projection run by another instance. */
  statePollMs: number;
  /** How often `rebuild()` reports progress when following a rebuild. */
  progressIntervalMs: number;
}

export const DEFAULT_TIMINGS: Readonly<ProjectionTimings> = Object.freeze({
  leaseMs: 5000,
  renewIntervalMs: 1500,
  safetyMarginMs: 1000,
  acquireIntervalMs: 1000,
  pollIntervalMs: 250,
  batchSize: 500,
  rebuildBatchSize: 1000,
  sagaBatchSize: 100,
  maxAttempts: 5,
  retryBaseMs: 200,
  retryMaxMs: 5000,
  waitTimeoutMs: 5000,
  statePollMs: 100,
  progressIntervalMs: 1000,
});

export function resolveTimings(overrides: Partial<ProjectionTimings> = {}): ProjectionTimings {
  const t = { ...DEFAULT_TIMINGS, ...overrides };
  if (t.renewIntervalMs >= t.leaseMs) throw new Error('renewIntervalMs must be shorter than leaseMs');
  if (overrides.safetyMarginMs === undefined) t.safetyMarginMs = Math.min(DEFAULT_TIMINGS.safetyMarginMs, Math.floor(t.leaseMs / 4));
  if (t.safetyMarginMs + t.renewIntervalMs >= t.leaseMs) throw new Error('renewIntervalMs + safetyMarginMs must be shorter than leaseMs');
  return t;
}

/** Exponential backoff with full jitter, capped. */
export function backoffMs(attempt: number, t: Pick<ProjectionTimings, 'retryBaseMs' | 'retryMaxMs'>): number {
  const ceiling = Math.min(t.retryMaxMs, t.retryBaseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}
