import { lagReport } from './lag';
import type { ProjectionStatus } from './projection-status';

const status = (over: Partial<ProjectionStatus>): ProjectionStatus => ({
  name: 'p',
  kind: 'projection',
  version: 1,
  position: 0,
  headPosition: 0,
  lag: 0,
  state: 'running',
  eventsPerSecond: 0,
  lastError: null,
  failedPosition: null,
  owner: null,
  leaseExpiresAt: null,
  rebuild: null,
  lastRebuild: null,
  ...over,
});

describe('lag report for readiness', () => {
  it('flags projections above the threshold or failed, never sagas', () => {
    const r = lagReport(
      [
        status({ name: 'ok', lag: 10 }),
        status({ name: 'slow', lag: 11 }),
        status({ name: 'broken', state: 'failed', lastError: 'x' }),
        status({ name: 's', kind: 'saga', lag: 99 }),
      ],
      10,
    );
    expect(r.degraded).toBe(true);
    expect(r.projections.map((p) => p.name)).toEqual(['slow', 'broken']);
  });

  it('is not degraded when all projections keep up', () => {
    expect(lagReport([status({ lag: 3 })], 10).degraded).toBe(false);
  });
});
