#!/usr/bin/env node
// Finds or starts the Elasticsearch this project runs against.
// Resolution order (same for `npm start` and `npm test`):
//   1. ES_NODE set: use it.
//   2. A Docker engine answers: `docker compose up -d elasticsearch` (tests may use testcontainers instead).
//   3. Otherwise: fetch Elastic's integ-test-zip from Maven Central with Maven into a cache folder
//      outside git and run it on 127.0.0.1 (single node, security off, bounded heap, unprivileged user).
// Usage: node scripts/elasticsearch.mjs start|stop|status|url
// (scripts/elasticsearch-cluster.mjs reuses the exported helpers for a three-node cluster.)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, openSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ES_VERSION = '8.19.21';
const ARTIFACT = `org.elasticsearch.distribution.integ-test-zip:elasticsearch:${ES_VERSION}:zip`;
const PORT = Number(process.env.ES_LOCAL_PORT ?? 9200);
const LOCAL_URL = `http://127.0.0.1:${PORT}`;
export const ES_USER = 'gyroscops-es';
const HEAP = process.env.ES_LOCAL_HEAP ?? '1g';
const START_TIMEOUT_MS = 180_000;

export const cacheRoot =
  process.env.ES_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'gyroscops-elasticsearch');
export const home = join(cacheRoot, `elasticsearch-${ES_VERSION}`);
const dataDir = join(cacheRoot, 'data');
const logDir = join(cacheRoot, 'logs');
const pidFile = join(cacheRoot, 'elasticsearch.pid');
// Filesystem snapshot repositories must lie under path.repo (backup and restore: `npm run store:backup`).
export const snapshotDir = process.env.ES_SNAPSHOT_DIR ?? join(cacheRoot, 'snapshots');
const stdoutLog = join(logDir, 'stdout.log');

const say = (msg) => process.stderr.write(`[elasticsearch] ${msg}\n`);
// Children never write to our stdout: `url` prints the URL there and jest's global set-up reads it verbatim.
// Their stdin is closed and both their streams go to our stderr (fd 2).
const CHILD_STDIO = ['ignore', 2, 2];

export class SetupError extends Error {}

export async function probe(url, timeoutMs = 2000) {
  try {
    const res = await fetch(`${url.replace(/\/$/, '')}/_cluster/health`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return { up: false, reason: `HTTP ${res.status}` };
    const body = await res.json();
    const product = res.headers.get('x-elastic-product');
    return { up: true, status: body.status, product };
  } catch (e) {
    return { up: false, reason: e?.cause?.code ?? e?.name ?? String(e) };
  }
}

async function waitForYellow(url, timeoutMs, proc) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const p = await probe(url);
    if (p.up && (p.status === 'yellow' || p.status === 'green')) return p;
    if (proc && proc.exited) throw new SetupError(`Elasticsearch exited during start-up; see ${stdoutLog} and ${logDir}`);
    const now = p.up ? `status ${p.status}` : `not answering (${p.reason})`;
    if (now !== last) say(`waiting for ${url}: ${now}`);
    last = now;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new SetupError(`Elasticsearch at ${url} did not become ready within ${timeoutMs / 1000}s; see ${stdoutLog}`);
}

function has(cmd, args = ['--version']) {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.status === 0;
}

function dockerAnswers() {
  return has('docker', ['info']);
}

export function javaHome() {
  const candidates = [process.env.ES_JAVA_HOME, process.env.JAVA_HOME];
  if (existsSync('/usr/lib/jvm')) {
    for (const d of readdirSync('/usr/lib/jvm').sort()) candidates.push(join('/usr/lib/jvm', d));
  }
  for (const c of candidates) {
    if (!c) continue;
    const java = join(c, 'bin', 'java');
    if (!existsSync(java)) continue;
    const r = spawnSync(java, ['-version'], { encoding: 'utf8' });
    const m = /version "(\d+)/.exec(r.stderr ?? '');
    if (m && Number(m[1]) >= 17) return c;
  }
  // Fall back to `java` on PATH.
  const r = spawnSync('java', ['-XshowSettings:properties', '-version'], { encoding: 'utf8' });
  const home = /java\.home = (.+)/.exec(r.stderr ?? '')?.[1]?.trim();
  const ver = /java\.specification\.version = (\d+)/.exec(r.stderr ?? '')?.[1];
  if (home && Number(ver) >= 17) return home;
  return null;
}

export function runningAsRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function ensureDistribution() {
  if (existsSync(join(home, 'bin', 'elasticsearch'))) return;
  if (!has('mvn', ['-v'])) {
    throw new SetupError(
      'Maven is missing: install Maven (e.g. `apt-get install maven`) so the Elasticsearch distribution can be fetched from Maven Central, or set ES_NODE.',
    );
  }
  mkdirSync(cacheRoot, { recursive: true });
  say(`fetching ${ARTIFACT} from Maven Central (about 100 MB, once)...`);
  const dl = join(cacheRoot, 'download');
  mkdirSync(dl, { recursive: true });
  const r = spawnSync('mvn', ['-q', '-B', 'dependency:copy', `-Dartifact=${ARTIFACT}`, `-DoutputDirectory=${dl}`], { stdio: CHILD_STDIO });
  if (r.status !== 0) throw new SetupError(`Maven could not fetch ${ARTIFACT}; check access to Maven Central or set ES_NODE.`);
  const zip = join(dl, `elasticsearch-${ES_VERSION}.zip`);
  say('unpacking...');
  const tmp = join(cacheRoot, 'unpack');
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const u = has('unzip', ['-v'])
    ? spawnSync('unzip', ['-q', zip, '-d', tmp], { stdio: CHILD_STDIO })
    : spawnSync('jar', ['xf', zip], { cwd: tmp, stdio: CHILD_STDIO });
  if (u.status !== 0) throw new SetupError('could not unpack the Elasticsearch zip (install unzip).');
  const inner = readdirSync(tmp).find((d) => d.startsWith('elasticsearch'));
  execFileSync('mv', [join(tmp, inner), home], { stdio: CHILD_STDIO });
  rmSync(tmp, { recursive: true, force: true });
  rmSync(dl, { recursive: true, force: true });
  spawnSync('chmod', ['-R', 'u+x', join(home, 'bin')]);
}

export function ensureUser() {
  const r = spawnSync('id', ['-u', ES_USER], { stdio: 'ignore' });
  if (r.status !== 0) {
    const add = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', ES_USER], { stdio: CHILD_STDIO });
    if (add.status !== 0) throw new SetupError(`could not create the unprivileged user ${ES_USER} (Elasticsearch refuses to run as root).`);
  }
  // The user must be able to reach the cache folder through its parents.
  for (let d = cacheRoot; d !== dirname(d); d = dirname(d)) spawnSync('chmod', ['o+x', d]);
  spawnSync('chown', ['-R', `${ES_USER}:`, cacheRoot]);
}

export async function start() {
  if (process.env.ES_NODE) {
    const p = await probe(process.env.ES_NODE, 5000);
    if (!p.up) throw new SetupError(`ES_NODE=${process.env.ES_NODE} does not answer (${p.reason}).`);
    say(`using ES_NODE=${process.env.ES_NODE} (status ${p.status})`);
    return process.env.ES_NODE;
  }
  const existing = await probe(LOCAL_URL);
  if (existing.up) {
    say(`already running at ${LOCAL_URL} (status ${existing.status}); log: ${logDir}`);
    if (existing.status === 'red') await waitForYellow(LOCAL_URL, START_TIMEOUT_MS);
    return LOCAL_URL;
  }
  if (dockerAnswers() && process.env.ES_NO_DOCKER !== '1') {
    say('a Docker engine answers: starting the elasticsearch service of docker-compose.yml');
    const root = join(dirname(fileURLToPath(import.meta.url)), '..');
    const r = spawnSync('docker', ['compose', 'up', '-d', 'elasticsearch'], { cwd: root, stdio: CHILD_STDIO });
    if (r.status === 0) {
      await waitForYellow(LOCAL_URL, START_TIMEOUT_MS);
      say(`ready at ${LOCAL_URL}; log: docker compose logs elasticsearch`);
      return LOCAL_URL;
    }
    say('docker compose failed; falling back to the local distribution');
  }
  const jh = javaHome();
  if (!jh)
    throw new SetupError('No Java 17+ found: install a JDK 17 or newer (e.g. `apt-get install openjdk-17-jdk-headless`) or set ES_NODE.');
  ensureDistribution();
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  mkdirSync(snapshotDir, { recursive: true });
  const asRoot = runningAsRoot();
  if (asRoot) {
    ensureUser();
    for (let d = dirname(snapshotDir); d !== dirname(d); d = dirname(d)) spawnSync('chmod', ['o+x', d]);
    spawnSync('chown', ['-R', `${ES_USER}:`, snapshotDir]);
  }
  const args = [
    '-Expack.security.enabled=false',
    '-Ediscovery.type=single-node',
    '-Enetwork.host=127.0.0.1',
    `-Ehttp.port=${PORT}`,
    '-Ecluster.routing.allocation.disk.threshold_enabled=false',
    '-Ecluster.name=gyroscops-local',
    `-Epath.data=${dataDir}`,
    `-Epath.logs=${logDir}`,
    `-Epath.repo=${snapshotDir}`,
    '-d',
    '-p',
    pidFile,
  ];
  const env = { ...process.env, ES_JAVA_HOME: jh, ES_JAVA_OPTS: `-Xms${HEAP} -Xmx${HEAP}` };
  delete env.JAVA_HOME;
  const bin = join(home, 'bin', 'elasticsearch');
  say(`starting Elasticsearch ${ES_VERSION} on ${LOCAL_URL} (heap ${HEAP}${asRoot ? `, as user ${ES_USER}` : ''})`);
  const out = openSync(stdoutLog, 'a');
  const r = asRoot
    ? spawnSync('runuser', ['-u', ES_USER, '--', 'env', `ES_JAVA_HOME=${jh}`, `ES_JAVA_OPTS=${env.ES_JAVA_OPTS}`, bin, ...args], {
        stdio: ['ignore', out, out],
        env,
      })
    : spawnSync(bin, args, { stdio: ['ignore', out, out], env });
  if (r.status !== 0)
    throw new SetupError(`Elasticsearch failed to start (exit ${r.status}); see ${stdoutLog} and ${logDir}/gyroscops-local.log`);
  await waitForYellow(LOCAL_URL, START_TIMEOUT_MS);
  say(`ready at ${LOCAL_URL}; log: ${join(logDir, 'gyroscops-local.log')}; snapshot repositories under ${snapshotDir}`);
  return LOCAL_URL;
}

export async function stop() {
  if (!existsSync(pidFile)) {
    say('not running (no pid file)');
    return;
  }
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    say('not running');
    rmSync(pidFile, { force: true });
    return;
  }
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
      await new Promise((r) => setTimeout(r, 500));
    } catch {
      say(`stopped (pid ${pid})`);
      rmSync(pidFile, { force: true });
      return;
    }
  }
  process.kill(pid, 'SIGKILL');
  say(`killed (pid ${pid})`);
}

export async function status() {
  const url = process.env.ES_NODE ?? LOCAL_URL;
  const p = await probe(url);
  if (p.up) say(`${url}: up, cluster status ${p.status}; log: ${process.env.ES_NODE ? '(external)' : logDir}`);
  else say(`${url}: down (${p.reason})`);
  return p.up;
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const cmd = process.argv[2] ?? 'status';
  const run = { start, stop, status, url: async () => process.stdout.write(`${await start()}\n`) }[cmd];
  if (!run) {
    say(`unknown command ${cmd}; use start|stop|status`);
    process.exit(2);
  }
  run()
    .then((r) => process.exit(cmd === 'status' && r === false ? 1 : 0))
    .catch((e) => {
      say(e instanceof SetupError ? e.message : `unexpected failure: ${e?.message ?? e}`);
      process.exit(1);
    });
}
