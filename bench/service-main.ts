/**
 * The service process the bench starts: src/main.ts as deployed, except that projection and saga runners do not
 * start (unless BENCH_SERVICE_RUNNERS=on). The bench's own store appends in the same run without runners, and
 * runners following the log would take CPU from whichever side runs next, so both sides measure the request path.
 */
import { overrideProjectionsAutoStart } from '@gyroscops/projections';

if (process.env.BENCH_SERVICE_RUNNERS !== 'on') overrideProjectionsAutoStart(false);
// Loaded after the override: main.ts boots the application as soon as it is imported.
void import('../src/main');
