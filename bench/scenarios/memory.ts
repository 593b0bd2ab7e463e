import { row, type Scenario } from '../core/context';

/** Scenario 7: memory during scenarios 1-2, read from the samplers those scenarios labelled. Runs after them. */
export const memory: Scenario = {
  scenario: 7,
  title: 'RSS during scenarios 1-2',
  run: async (ctx) => {
    const lib = ctx.benchMemory.summary('library');
    const raw = ctx.benchMemory.summary('raw');
    const http = ctx.serviceMemory?.summary('http') ?? null;
    const inProcess = ctx.service?.mode === 'in-process';
    return [
      row({
        scenario: 7,
        key: '7.library',
        title: 'Peak RSS of the bench process: library phases vs raw phases of 1-2',
        via: 'library',
        unit: 'MB',
        service: lib?.peakMb ?? null,
        baseline: raw?.peakMb ?? null,
        note: 'same process for both sides (it also holds the pre-built test data); RSS rarely shrinks, so later phases inherit earlier peaks',
        details: { libraryMeanMb: lib?.meanMb ?? null, rawMeanMb: raw?.meanMb ?? null, samples: (lib?.samples ?? 0) + (raw?.samples ?? 0) },
      }),
      row({
        scenario: 7,
        key: '7.http',
        title: inProcess
          ? 'Peak RSS of the bench process serving HTTP (in-process service) in 1-2'
          : 'Peak RSS of the service process during HTTP 1-2',
        via: 'http',
        unit: 'MB',
        service: http?.peakMb ?? null,
        baseline: null,
        note: http
          ? `no raw equivalent (Elasticsearch's own JVM is outside both); idle after start: ${ctx.serviceIdleRssMb?.toFixed(0) ?? 'n/a'} MB`
          : `not available: ${ctx.serviceMissing ?? 'no HTTP phases ran'}`,
        details: http
          ? { idleMb: ctx.serviceIdleRssMb, meanMb: http.meanMb, samples: http.samples, serviceMode: ctx.service?.mode ?? null }
          : undefined,
      }),
    ];
  },
};
