import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { TIME_ZONES } from './analytics.dto';
import { parseTimeZone } from './domain/time-buckets';

const parses = (zone: string): boolean => {
  try {
    parseTimeZone(zone);
    return true;
  } catch {
    return false;
  }
};

/** The API's timeZone enum is exact only if Elasticsearch's Java knows every zone of it (Node's database may be newer). */
describe('the time zones the analytics API accepts', () => {
  const client = new Client({ node: process.env.ES_NODE as string, requestTimeout: 30_000 });
  const index = `test-analytics-zones-${randomBytes(4).toString('hex')}`;
  beforeAll(async () => {
    await client.indices.create({ index, mappings: { properties: { timestamp: { type: 'date' } } } });
    await client.index({ index, document: { timestamp: '2024-12-19T10:00:00Z' }, refresh: true });
  });
  afterAll(async () => {
    await client.indices.delete({ index }, { ignore: [404] });
    await client.close();
  });

  it('are all read by parseTimeZone (the handlers accept every zone the document lists)', () => {
    expect(TIME_ZONES.filter((zone) => !parses(zone))).toEqual([]);
  });

  it('are all known to Elasticsearch as date_histogram time zones, as sent (canonical spelling)', async () => {
    const refused: string[] = [];
    for (let i = 0; i < TIME_ZONES.length; i += 40) {
      await Promise.all(
        TIME_ZONES.slice(i, i + 40).map(async (zone) => {
          const sent = parseTimeZone(zone);
          const ok = await client
            .search({ index, size: 0, aggs: { h: { date_histogram: { field: 'timestamp', calendar_interval: '1h', time_zone: sent } } } })
            .then(
              () => true,
              () => false,
            );
          if (!ok) refused.push(zone);
        }),
      );
    }
    expect(TIME_ZONES.length).toBeGreaterThan(400);
    expect(refused).toEqual([]);
  });
});
