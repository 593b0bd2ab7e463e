import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { startTestApp, type TestApp } from '../support/e2e-app';
import { baseUrlOf } from '../support/sse-client';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const PACKAGES = ['@gyroscops/event-store-client', '@gyroscops/event-store'];
const TSCONFIGS = ['packages/event-store-client/tsconfig.build.json', 'libs/event-store/tsconfig.build.json'];
const BUILDS = ['packages/event-store-client/dist', 'libs/event-store/dist'].map((d) => join(ROOT, d));

/** npm run by `npm test` exports its configuration as npm_* variables; the scratch application's npm must not inherit them. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

interface Report {
  start: number;
  groupCreated: boolean;
  appended: Record<'a1' | 'b1' | 'a2' | 'b2', { fromVersion: number; version: number; position: number; eventIds: string[] }>;
  conflict: { thrown: boolean; wrongExpectedVersion?: boolean; actualVersion?: number };
  lossyPosts: number;
  stream: { version: number; versions: number[]; eventIds: string[] };
  paged: { eventId: string; position: number; aggregateId: string; version: number }[];
  pages: number;
  live: { eventIds: string[]; connections: number; lastEventId: number };
  resumed: string[];
  deliveries: { eventId: string; aggregateId: string; version: number; attempt: number; outcome: string }[];
  stats: { fetches: number; delivered: number; acked: number; nacked: number; stale: number };
  status: { position: number; acked: number; nacked: number; parkedCount: number; inFlight: number };
  errors: Record<string, { thrown: boolean; name?: string; status?: number; code?: string; retryable?: boolean }>;
  classes: Record<string, unknown>;
  isolation: Record<string, unknown>;
  library: { eventId: string; position: number }[];
}

/**
 * Reuse by another repository, for real: the client and the event-store library are built and packed (`npm pack`),
 * installed from their tarballs into a scratch application in the system's temporary folder, outside this
 * repository, and that application — type-checked against the installed declarations, then run by Node — appends,
 * reads, follows the log over Server-Sent Events through a reconnection, consumes a consumer group, and reads the same
 * log from Elasticsearch through the library, against the whole service on a real Elasticsearch.
 */
describe('The client package, installed from its tarball by another application (e2e)', () => {
  let t: TestApp;
  let scratch: string;
  let report: Report;
  const tag = `pkg-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'gyroscops-scratch-'));
    const packDir = join(scratch, 'tarballs');
    const appDir = join(scratch, 'app');
    const [app] = await Promise.all([
      // The streams end after 1.5 s, so that the application's live tail has to reconnect and resume.
      startTestApp('client-pkg', { LOG_STREAM_MAX_CONNECTION_MS: '1500', LOG_STREAM_HEARTBEAT_MS: '200' }),
      (async () => {
        await Promise.all([mkdir(packDir), mkdir(appDir)]);
        // Built from clean in one compiler run, then packed without the packages' own prepack (which builds each
        // package in a compiler of its own: twice as long). The builds are removed afterwards, as postpack does.
        await Promise.all(BUILDS.map((d) => rm(d, { recursive: true, force: true })));
        try {
          await run(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', ...TSCONFIGS], { cwd: ROOT });
          await run('npm', ['pack', '--silent', '--ignore-scripts', ...PACKAGES.flatMap((p) => ['-w', p]), '--pack-destination', packDir], {
            cwd: ROOT,
            env: cleanEnv(),
          });
        } finally {
          await Promise.all(BUILDS.map((d) => rm(d, { recursive: true, force: true })));
        }
        const tarballs = (await readdir(packDir)).filter((f) => f.endsWith('.tgz')).map((f) => join(packDir, f));
        expect(tarballs).toHaveLength(PACKAGES.length);
        await writeFile(join(appDir, 'package.json'), JSON.stringify({ name: 'scratch-service', version: '1.0.0', private: true }));
        await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tarballs], {
          cwd: appDir,
          env: cleanEnv(),
        });
        // The application as another repository would hold it: TypeScript checked against the installed declarations
        // (resolved through the packages' `exports`), then compiled to the JavaScript Node runs.
        const source = await readFile(join(__dirname, 'client-package', 'scratch-app.ts'), 'utf8');
        await writeFile(join(appDir, 'app.ts'), source);
        await writeFile(
          join(appDir, 'tsconfig.json'),
          JSON.stringify({
            compilerOptions: {
              strict: true,
              module: 'node16',
              moduleResolution: 'node16',
              target: 'es2022',
              noEmit: true,
              skipLibCheck: true,
              types: ['node'],
              typeRoots: [join(ROOT, 'node_modules', '@types')],
            },
            files: ['app.ts'],
          }),
        );
        await run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', appDir], { cwd: appDir, env: cleanEnv() });
        const js = ts.transpileModule(source, {
          compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        }).outputText;
        await writeFile(join(appDir, 'app.js'), js);
      })(),
    ]);
    t = app;

    const out = await run(process.execPath, ['app.js'], {
      cwd: appDir,
      env: cleanEnv({
        SERVICE_URL: await baseUrlOf(t.app),
        SERVICE_TOKEN: t.token('org-pkg', ['reader', 'writer']),
        OTHER_TOKEN: t.token('org-other', ['reader', 'writer']),
        TAG: tag,
        ES_NODE: process.env.ES_NODE as string,
        ES_INDEX_PREFIX: t.prefix,
      }),
      timeout: 45_000,
    });
    report = JSON.parse(out.stdout.trim().split('\n').pop() as string) as Report;
  }, 110_000);

  afterAll(async () => {
    await t?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('installs outside the repository, from the tarballs only', async () => {
    const installed = JSON.parse(await readFile(join(scratch, 'app', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(installed.dependencies).sort()).toEqual([...PACKAGES].sort());
    for (const spec of Object.values(installed.dependencies)) expect(spec).toMatch(/^file:.*\.tgz$/);
    expect(scratch.startsWith(ROOT)).toBe(false);
  });

  it('appends with an expected version, refuses a stale one with a typed error, and records a retried append once', async () => {
    const { a1, b1, a2, b2 } = report.appended;
    expect([a1.fromVersion, a1.version, b1.version, a2.fromVersion, a2.version, b2.version]).toEqual([1, 2, 1, 3, 3, 2]);
    expect(report.conflict).toEqual({ thrown: true, wrongExpectedVersion: true, actualVersion: 2 });
    // The first POST was carried out and its answer dropped; the second, with the same event ids, stored nothing new.
    expect(report.lossyPosts).toBe(2);
    expect(report.stream).toEqual({ version: 3, versions: [1, 2, 3], eventIds: [...a1.eventIds, ...a2.eventIds] });
    // What the service itself holds for the stream.
    const r = await t.http().get(`/v1/aggregates/${tag}-a/events`).set(t.auth('org-pkg'));
    expect(r.body.events.map((e: { eventId: string }) => e.eventId)).toEqual(report.stream.eventIds);
  });

  it('pages the log in position order, as the service and the library both read it', async () => {
    const { a1, b1, a2, b2 } = report.appended;
    const appendedIds = [...a1.eventIds, ...b1.eventIds, ...a2.eventIds, ...b2.eventIds];
    const pagedIds = report.paged.map((e) => e.eventId);
    expect([...pagedIds].sort()).toEqual([...appendedIds].sort());
    const positions = report.paged.map((e) => e.position);
    expect(positions).toEqual([...positions].sort((x, y) => x - y));
    expect(new Set(positions).size).toBe(positions.length);
    expect(report.pages).toBeGreaterThanOrEqual(3); // limit 2, five events
    expect(report.library).toEqual(report.paged.map((e) => ({ eventId: e.eventId, position: e.position })));
    const admin = await t
      .http()
      .get('/v1/log')
      .query({ after: report.start, aggregateIdPrefix: tag, limit: 100 })
      .set(t.auth('ops', ['admin']));
    expect(admin.body.events.map((e: { eventId: string }) => e.eventId)).toEqual(pagedIds);
  });

  it('follows the log over SSE through a reconnection without a gap or a duplicate, and resumes from a position', () => {
    const pagedIds = report.paged.map((e) => e.eventId);
    expect(report.live.connections).toBeGreaterThanOrEqual(2);
    expect(report.live.eventIds).toEqual(pagedIds);
    expect(report.live.lastEventId).toBeGreaterThanOrEqual(report.paged[report.paged.length - 1].position);
    expect(report.resumed).toEqual(pagedIds.slice(2));
  });

  it('consumes a consumer group: every event acknowledged once, a refused one delivered again, per-aggregate order kept', () => {
    const pagedIds = report.paged.map((e) => e.eventId);
    const handled = report.deliveries.filter((d) => d.outcome === 'handled');
    expect(handled.map((d) => d.eventId).sort()).toEqual([...pagedIds].sort());
    const failed = report.deliveries.filter((d) => d.outcome === 'failed');
    expect(failed).toHaveLength(1);
    expect(handled.find((d) => d.eventId === failed[0].eventId)?.attempt).toBe(2);
    for (const id of [`${tag}-a`, `${tag}-b`]) {
      const versions = handled.filter((d) => d.aggregateId === id).map((d) => d.version);
      expect(versions).toEqual([...versions].sort((x, y) => x - y));
    }
    expect(report.groupCreated).toBe(true);
    expect(report.stats).toMatchObject({ acked: 5, nacked: 1, stale: 0 });
    expect(report.status).toMatchObject({ acked: 5, nacked: 1, parkedCount: 0, inFlight: 0 });
    expect(report.status.position).toBeGreaterThanOrEqual(report.paged[report.paged.length - 1].position);
  });

  it('shows another organization none of it: pages, live tail, stream, group', () => {
    expect(report.isolation).toEqual({
      pageEvents: 0,
      pageCheckpointPast: true,
      liveEvents: 0,
      stream: 'NotFoundError',
      group: 'NotFoundError',
      parked: 'NotFoundError',
    });
  });

  it('maps the API’s error answers to typed errors', () => {
    expect(report.errors).toEqual({
      unknownStream: { thrown: true, name: 'NotFoundError', status: 404, code: 'StreamNotFound', retryable: false },
      badConsumerName: { thrown: true, name: 'ValidationError', status: 400, code: 'ValidationError', retryable: false },
      badToken: { thrown: true, name: 'UnauthorizedError', status: 401, code: 'Unauthorized', retryable: false },
    });
    expect(report.classes).toEqual({ unknownStreamIsNotFound: true, badConsumerNameIsValidation: true, badTokenIsUnauthorized: true });
  });
});
