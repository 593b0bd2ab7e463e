import { RequestContextStore, type RequestContext } from '@gyroscops/context';
import type { AnalyticsReader, EventFilter } from '../../analytics.port';
import { EventStatisticsQuery } from './event-statistics.query';
import { EventStatisticsHandler } from './event-statistics.handler';

const ctx: RequestContext = {
  correlationId: 'c',
  causationId: null,
  userId: 'u',
  organizationId: 'org-a',
  roles: ['reader'],
  source: 'api',
};
const run = <T>(fn: () => Promise<T>) => RequestContextStore.run(ctx, fn);
const at = (iso: string) => Date.parse(iso);

function fakeReader(extent: { count: number; first: number | null; last: number | null }) {
  const calls: { statistics: EventFilter[] } = { statistics: [] };
  const reader: Pick<AnalyticsReader, 'extent' | 'statistics'> = {
    extent: jest.fn(async () => extent),
    statistics: jest.fn(async (filter: EventFilter) => {
      calls.statistics.push(filter);
      return {
        total: 3,
        byHour: [
          { start: at('2024-12-19T10:00:00Z'), count: 2 },
          { start: at('2024-12-19T11:00:00Z'), count: 1 },
        ],
        byDay: [{ start: at('2024-12-18T23:00:00Z'), count: 3 }],
        byOrganization: [{ key: 'org-a', count: 3 }],
        byUser: [
          { key: 'u1', count: 2 },
          { key: '__proto__', count: 1 },
        ],
      };
    }),
  };
  return { reader: reader as AnalyticsReader, calls };
}

describe('EventStatisticsHandler', () => {
  describe('when a bound is open', () => {
    it('closes it at the first or last matching event and reads that fixed range, in the caller’s scope', async () => {
      const { reader, calls } = fakeReader({ count: 3, first: at('2024-12-19T10:05:00Z'), last: at('2024-12-19T11:30:00Z') });
      await run(() =>
        new EventStatisticsHandler(reader).execute(new EventStatisticsQuery({ eventType: 'A', from: '2024-12-19T00:00:00Z' })),
      );
      expect(reader.extent).toHaveBeenCalledWith(
        { eventType: 'A', aggregateType: undefined, from: new Date('2024-12-19T00:00:00Z'), to: undefined },
        { organizationId: 'org-a', isAdmin: false },
      );
      expect(calls.statistics[0]).toMatchObject({ from: new Date('2024-12-19T00:00:00Z'), to: new Date('2024-12-19T11:30:00Z') });
    });

    it('answers zeros without aggregating when nothing matches', async () => {
      const { reader } = fakeReader({ count: 0, first: null, last: null });
      const r = await run(() => new EventStatisticsHandler(reader).execute(new EventStatisticsQuery({})));
      expect(r).toEqual({ total: 0, byHour: {}, byDay: {}, byOrganization: {}, byUser: {} });
      expect(reader.statistics).not.toHaveBeenCalled();
    });

    it('refuses events spanning more hours than the limit with ANALYTICS.TOO_MANY_BUCKETS', async () => {
      const { reader } = fakeReader({ count: 2, first: at('2020-01-01T00:00:00Z'), last: at('2024-01-01T00:00:00Z') });
      await expect(run(() => new EventStatisticsHandler(reader).execute(new EventStatisticsQuery({})))).rejects.toMatchObject({
        code: 'ANALYTICS.TOO_MANY_BUCKETS',
      });
      expect(reader.statistics).not.toHaveBeenCalled();
    });
  });

  describe('when both bounds are given', () => {
    it('skips the extent and names hours and days in the time zone', async () => {
      const { reader } = fakeReader({ count: 0, first: null, last: null });
      const r = await run(() =>
        new EventStatisticsHandler(reader).execute(
          new EventStatisticsQuery({ from: '2024-12-19', to: '2024-12-19', timeZone: 'Europe/Paris' }),
        ),
      );
      expect(reader.extent).not.toHaveBeenCalled();
      expect(reader.statistics).toHaveBeenCalledWith(expect.anything(), expect.anything(), 'Europe/Paris');
      expect(r).toEqual({
        total: 3,
        byHour: { '2024-12-19T11:00:00+01:00': 2, '2024-12-19T12:00:00+01:00': 1 },
        byDay: { '2024-12-19': 3 },
        byOrganization: { 'org-a': 3 },
        byUser: { u1: 2, ['__proto__']: 1 },
      });
      expect(Object.keys(r.byUser)).toEqual(['u1', '__proto__']);
    });
  });
});
