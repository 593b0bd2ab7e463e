import { RequestContextStore, type RequestContext } from '@gyroscops/context';
import type { AnalyticsReader } from '../../analytics.port';
import { EventTrendsHandler } from './event-trends.handler';
import { EventTrendsQuery } from './event-trends.query';

const ctx: RequestContext = {
  correlationId: 'c',
  causationId: null,
  userId: 'u',
  organizationId: 'org-a',
  roles: ['admin'],
  source: 'api',
};
const run = <T>(fn: () => Promise<T>) => RequestContextStore.run(ctx, fn);
const at = (iso: string) => Date.parse(iso);

function reader(): AnalyticsReader {
  return {
    extent: jest.fn(async () => ({ count: 0, first: null, last: null })),
    trends: jest.fn(async () => [
      { start: at('2024-12-16T00:00:00Z'), count: 4 },
      { start: at('2024-12-23T00:00:00Z'), count: 0 },
      { start: at('2024-12-30T00:00:00Z'), count: 7 },
    ]),
  } as unknown as AnalyticsReader;
}

describe('EventTrendsHandler', () => {
  it('names week buckets with the ISO week of their Monday, in order, empty ones kept', async () => {
    const r = reader();
    const result = await run(() =>
      new EventTrendsHandler(r).execute(new EventTrendsQuery({ interval: 'week', from: '2024-12-16', to: '2025-01-05' })),
    );
    expect(result).toEqual({ interval: 'week', trends: { '2024-W51': 4, '2024-W52': 0, '2025-W01': 7 } });
    expect(Object.keys(result.trends)).toEqual(['2024-W51', '2024-W52', '2025-W01']);
    expect(r.trends).toHaveBeenCalledWith(
      expect.objectContaining({ from: new Date('2024-12-16T00:00:00Z') }),
      { organizationId: 'org-a', isAdmin: true },
      'week',
      'UTC',
    );
  });

  it('refuses an unknown interval before reading anything', async () => {
    const r = reader();
    await expect(run(() => new EventTrendsHandler(r).execute(new EventTrendsQuery({ interval: 'fortnight' })))).rejects.toMatchObject({
      code: 'ANALYTICS.INVALID_INTERVAL',
      details: [expect.objectContaining({ field: 'interval', allowed: ['hour', 'day', 'week', 'month'] })],
    });
    expect(r.extent).not.toHaveBeenCalled();
  });

  it('refuses a range with more buckets than the limit before aggregating', async () => {
    const r = reader();
    await expect(
      run(() => new EventTrendsHandler(r).execute(new EventTrendsQuery({ interval: 'hour', from: '2023-01-01', to: '2024-12-31' }))),
    ).rejects.toMatchObject({ code: 'ANALYTICS.TOO_MANY_BUCKETS', httpStatus: 400 });
    expect(r.trends).not.toHaveBeenCalled();
  });
});
