import { runBench } from '../bench/run-bench';
import type { BenchResult } from '../bench/core/types';

// Keeps the benchmark suite from rotting: every scenario runs at a handful of events against the real Elasticsearch.
// It checks the shape of the result, never a speed: speeds belong to `npm run bench` on a quiet machine.
describe('the benchmark suite at smoke scale', () => {
  let result: BenchResult;

  beforeAll(async () => {
    // The service in its own process, as `npm run bench` runs it (through ts-node here, as nothing is compiled).
    result = await runBench({ scale: 'smoke', service: 'process', log: () => undefined });
  }, 240_000);

  it('runs every scenario without a failure', () => {
    expect(result.rows.filter((r) => r.status === 'failed')).toEqual([]);
    expect(new Set(result.rows.map((r) => r.scenario))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7, 8, 9]));
  });

  it('reports finite figures, and ratios computed from them', () => {
    for (const r of result.rows.filter((x) => x.status === 'measured')) {
      expect(Number.isFinite(r.service)).toBe(true);
      if (r.baseline !== null) {
        expect(Number.isFinite(r.baseline)).toBe(true);
        expect(r.ratio).toBeCloseTo((r.service as number) / r.baseline, 10);
      }
      if (r.target && r.ratio !== null) expect(typeof r.met).toBe('boolean');
    }
  });

  it('measures the library and its raw baseline side by side for appends and loads', () => {
    for (const key of ['1.library', '2.library', '4.library', '4.snapshot.library', '5.search.library.p50', '6.readAll', '8.storage']) {
      const r = result.rows.find((x) => x.key === key);
      expect(r).toMatchObject({ status: 'measured' });
      expect(r?.ratio).not.toBeNull();
    }
  });

  it('reports disk bytes per event of the store and of the seed design index, with the store broken down by index', () => {
    const r = result.rows.find((x) => x.key === '8.storage');
    expect(r).toMatchObject({ unit: 'bytes/event', target: { op: '<=', value: 2 } });
    expect(r?.service).toBeGreaterThan(0);
    expect(r?.baseline).toBeGreaterThan(0);
    for (const index of ['events', 'log', 'streams', 'event-ids', 'meta', 'snapshots'])
      expect(typeof r?.details?.[`bytesPerEvent.${index}`]).toBe('number');
  });

  it('says why a figure is missing instead of showing one', () => {
    for (const r of result.rows.filter((x) => x.status === 'not-available')) {
      expect(r.service).toBeNull();
      expect(r.note).toMatch(/^not available: /);
    }
  });

  it('starts the service in its own process for the HTTP figures', () => {
    expect(result.serviceMode).toBe('process');
    for (const r of result.rows.filter((x) => x.via === 'http' && x.scenario <= 4)) {
      if (r.status !== 'measured') expect(r.note).toMatch(/has no .* route yet/);
    }
  });

  it('measures the floor of the HTTP rows: the raw requests through a bare Node proxy, without a target', () => {
    for (const key of ['1.proxy', '2.proxy', '3.proxy', '5.search.proxy.p50', '5.statistics.proxy.p50', '5.trends.proxy.p50']) {
      const r = result.rows.find((x) => x.key === key);
      expect(r).toMatchObject({ status: 'measured', via: 'proxy', target: null });
      expect(r?.ratio).toBeGreaterThan(0);
    }
  });

  it('measures delivery of the log to another service over HTTP: latency over SSE, rates against readAll', () => {
    for (const key of ['9.sse.p50', '9.sse.p99', '9.log-pages', '9.log-stream']) {
      const r = result.rows.find((x) => x.key === key);
      expect(r).toMatchObject({ status: 'measured', via: 'http' });
      expect(r?.ratio).not.toBeNull();
    }
    // Consumer groups are followed by the service's runners, off in the bench unless --service-runners.
    for (const key of ['9.group.p50', '9.group.p99'])
      expect(result.rows.find((x) => x.key === key)).toMatchObject({ status: 'not-available' });
  });

  it('describes the machine, Elasticsearch and the data', () => {
    expect(result.machine.cores).toBeGreaterThan(0);
    expect(result.elasticsearch.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(result.data.avgEnvelopeBytes).toBeGreaterThan(500);
    expect(result.data.avgEnvelopeBytes).toBeLessThan(2000);
    expect(result.indicesKept).toBe(false);
  });
});
