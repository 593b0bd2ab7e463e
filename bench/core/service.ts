import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { signAccessToken } from '../../src/auth/dev-token';
import { REPO_ROOT } from './elasticsearch';
import { HttpClient } from './http-client';
import { cpuOfPid, ownRssMb, rssOfPid, sleep } from './measure';
import type { ServiceMode } from './types';

/** The routes a scenario needs before it can run over HTTP. */
export const ROUTES = {
  append: 'post /v1/aggregates/{aggregateId}/events',
  readStream: 'get /v1/aggregates/{aggregateId}/events',
  search: 'get /v1/events',
} as const;

export interface ServiceHandle {
  mode: Exclude<ServiceMode, 'none'>;
  /** The Node flags its process was started with (none in-process: it is the bench's). */
  nodeFlags: string[];
  baseUrl: string;
  http: HttpClient;
  /** `method path` of every route the service documents in its OpenAPI document. */
  routes: Set<string>;
  /** Resident set size of the process serving HTTP, in MB (the bench process itself when in-process). */
  rssMb(): number | null;
  /** CPU time the service process has used, in ms; null when in-process (it is the bench's). */
  cpuMs(): number | null;
  /** A token for a writer and reader of an organization. */
  token(userId: string, organizationId: string, admin?: boolean): string;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function tokenFactory(secret: string): ServiceHandle['token'] {
  const cache = new Map<string, string>();
  return (userId, organizationId, admin = false) => {
    const key = `${userId}|${organizationId}|${admin}`;
    let t = cache.get(key);
    if (!t) {
      t = signAccessToken(
        { sub: userId, org: organizationId, roles: admin ? ['admin', 'writer', 'reader'] : ['writer', 'reader'] },
        { algorithm: 'HS256', secret },
        { expiresInSeconds: 6 * 3600 },
      );
      cache.set(key, t);
    }
    return t;
  };
}

async function documentedRoutes(http: HttpClient): Promise<Set<string>> {
  const r = await http.send<{ paths?: Record<string, Record<string, unknown>> }>('GET', '/docs-json', null);
  const out = new Set<string>();
  for (const [path, ops] of Object.entries(r.body?.paths ?? {}))
    for (const method of Object.keys(ops)) out.add(`${method.toLowerCase()} ${path}`);
  return out;
}

async function waitReady(http: HttpClient, child: ChildProcess | null, stderr: () => string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`the service process exited with code ${child.exitCode}:\n${stderr()}`);
    try {
      const r = await http.send('GET', '/health/ready', null);
      if (r.status === 200) return;
      last = `HTTP ${r.status} ${JSON.stringify(r.body)}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`the service did not become ready within ${timeoutMs / 1000}s (last: ${last})\n${stderr()}`);
}

/**
 * The Node flags production starts the service with: the words between `node` and the entry point (the last word) in
 * package.json's `start:prod`, each a `--flag` or `--flag=value` (the Dockerfile's CMD carries the same,
 * test/service-start.spec.ts checks), so the bench's service runs as deployed.
 */
export function productionNodeFlags(
  startProd: string = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts[
    'start:prod'
  ],
): string[] {
  const words = startProd.trim().split(/\s+/);
  if (words[0] !== 'node') throw new Error(`start:prod does not run node: ${startProd}`);
  if (words.length < 2 || words[words.length - 1].startsWith('-')) throw new Error(`start:prod names no entry point: ${startProd}`);
  const flags = words.slice(1, -1);
  const loose = flags.find((f) => !f.startsWith('--'));
  if (loose) throw new Error(`start:prod: "${loose}" is not a --flag or --flag=value before the entry point: ${startProd}`);
  return flags;
}

export interface StartServiceOptions {
  mode: Exclude<ServiceMode, 'none'>;
  esNode: string;
  indexPrefix: string;
  /** Compiled build of the project (bench/run.js makes one); absent: the service runs through ts-node. */
  buildDir?: string;
  nodeFlags?: string[];
  /** Let projection and saga runners follow the log in the service, as in production (off by default, see service-main.ts). */
  runners?: boolean;
}

/**
 * Starts the service as production runs it (NODE_ENV=production, info-level JSON logs, to /dev/null here) with rate
 * limiting off, since the bench is one caller sending thousands of requests.
 */
export async function startService(o: StartServiceOptions): Promise<ServiceHandle> {
  const secret = randomBytes(32).toString('hex');
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    ES_NODE: o.esNode,
    ES_INDEX_PREFIX: o.indexPrefix,
    AUTH_JWT_SECRET: secret,
    THROTTLE_LIMIT: '0',
    LOG_LEVEL: 'info',
  };
  const token = tokenFactory(secret);

  if (o.mode === 'in-process') {
    const { createApp } = await import('../../src/app.factory');
    const { overrideProjectionsAutoStart } = await import('@gyroscops/projections');
    overrideProjectionsAutoStart(o.runners ? null : false);
    const app = await createApp({ ...env, LOG_LEVEL: 'error' }).finally(() => overrideProjectionsAutoStart(null));
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    const baseUrl = `http://127.0.0.1:${port}`;
    const http = new HttpClient(baseUrl);
    await waitReady(http, null, () => '');
    return {
      mode: 'in-process',
      nodeFlags: [],
      baseUrl,
      http,
      routes: await documentedRoutes(http),
      rssMb: ownRssMb,
      cpuMs: () => null,
      token,
      close: async () => {
        http.close();
        await app.close();
      },
    };
  }

  const port = await freePort();
  const compiled = o.buildDir ? join(o.buildDir, 'bench', 'service-main.js') : null;
  const nodeFlags = [...productionNodeFlags(), ...(o.nodeFlags ?? [])];
  const args =
    compiled && existsSync(compiled)
      ? [...nodeFlags, '-r', require.resolve('tsconfig-paths/register'), compiled]
      : [
          ...nodeFlags,
          '-r',
          require.resolve('ts-node/register/transpile-only'),
          '-r',
          require.resolve('tsconfig-paths/register'),
          join(REPO_ROOT, 'bench', 'service-main.ts'),
        ];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      ...env,
      PORT: String(port),
      BENCH_SERVICE_RUNNERS: o.runners ? 'on' : 'off',
      ...(o.buildDir ? { TS_NODE_BASEURL: o.buildDir } : {}),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-8000);
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const http = new HttpClient(baseUrl);
  try {
    await waitReady(http, child, () => stderr);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  const pid = child.pid as number;
  return {
    mode: 'process',
    nodeFlags,
    baseUrl,
    http,
    routes: await documentedRoutes(http),
    rssMb: () => rssOfPid(pid),
    cpuMs: () => cpuOfPid(pid),
    token,
    close: async () => {
      http.close();
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      // A clean exit lets --cpu-prof write its profile; a stuck one is killed.
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * CPU the service process uses while the bench waits for its answers, summed over requests and divided by their
 * number. /proc counts in 10 ms ticks, so one request's figure means nothing; over hundreds the ticks fall inside
 * request windows in proportion to the CPU used there.
 */
export class ServiceCpu {
  private ms = 0;
  private requests = 0;

  constructor(private readonly service: Pick<ServiceHandle, 'cpuMs'> | null) {}

  start(): number | null {
    return this.service?.cpuMs() ?? null;
  }

  stop(before: number | null): void {
    const after = this.service?.cpuMs() ?? null;
    if (before === null || after === null) return;
    this.ms += after - before;
    this.requests++;
  }

  perRequestMs(): number | null {
    return this.requests > 0 ? this.ms / this.requests : null;
  }

  describe(): string {
    const ms = this.perRequestMs();
    return ms === null ? '' : ` (service CPU ${ms.toFixed(2)} ms per HTTP request)`;
  }
}
