#!/usr/bin/env node
// A three-node Elasticsearch cluster on loopback, from the same Maven distribution as scripts/elasticsearch.mjs
// (same cache, same unprivileged user when run as root). Each node: ~512 MB of heap, its own HTTP and transport
// ports, data and log folders, discovery among the three. For the cluster tests (test/cluster) and for measuring
// what replication costs; the single node of `npm run es:start` stays the default for everything else.
//
// Children never write to our stdout: nodes log to files, and `url` prints only the URLs there.
// Usage: node scripts/elasticsearch-cluster.mjs <command> [node]
//   start [n]    start every node (or node n: 1, 2 or 3); idempotent; waits until the cluster has its nodes
//   stop [n]     stop every node (or node n) with SIGTERM, waiting for it to exit
//   kill <n>     SIGKILL node n (a crash: no shutdown, no flush)
//   status       one line per node on stderr; exit 1 unless all three answer
//   url          start if needed, then print the nodes' URLs, comma-separated, and nothing else, on stdout
//   pid <n>      print node n's process id on stdout
//   wipe         stop every node and delete their data (the next start forms a new cluster)
// Ports: HTTP ES_CLUSTER_HTTP_PORT.. (default 9420, 9421, 9422), transport ES_CLUSTER_TRANSPORT_PORT.. (9520-9522).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ES_USER,
  ES_VERSION,
  SetupError,
  cacheRoot,
  ensureDistribution,
  ensureUser,
  home,
  javaHome,
  probe,
  runningAsRoot,
} from './elasticsearch.mjs';

const CLUSTER_NAME = 'gyroscops-cluster';
const HTTP_BASE = Number(process.env.ES_CLUSTER_HTTP_PORT ?? 9420);
const TRANSPORT_BASE = Number(process.env.ES_CLUSTER_TRANSPORT_PORT ?? 9520);
const HEAP = process.env.ES_CLUSTER_HEAP ?? '512m';
const START_TIMEOUT_MS = 240_000;
const root = join(cacheRoot, 'cluster');

export const NODES = [1, 2, 3].map((n) => ({
  n,
  name: `node-${n}`,
  httpPort: HTTP_BASE + n - 1,
  transportPort: TRANSPORT_BASE + n - 1,
  url: `http://127.0.0.1:${HTTP_BASE + n - 1}`,
  dataDir: join(root, `node-${n}`, 'data'),
  logDir: join(root, `node-${n}`, 'logs'),
  pidFile: join(root, `node-${n}.pid`),
}));

const say = (msg) => process.stderr.write(`[es-cluster] ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function nodeOf(arg) {
  const node = NODES.find((x) => String(x.n) === String(arg) || x.name === arg);
  if (!node) throw new SetupError(`unknown node ${JSON.stringify(arg)}: use 1, 2 or 3`);
  return node;
}

function pidOf(node) {
  if (!existsSync(node.pidFile)) return null;
  const pid = Number(readFileSync(node.pidFile, 'utf8').trim());
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

/** A node that has never joined a cluster: its data folder holds no node state yet. */
function fresh(node) {
  return !existsSync(node.dataDir) || readdirSync(node.dataDir).length === 0;
}

async function clusterHealth(url, query = '') {
  try {
    const res = await fetch(`${url}/_cluster/health${query}`, { signal: AbortSignal.timeout(5000) });
    return res.ok || res.status === 408 ? await res.json() : null;
  } catch {
    return null;
  }
}

/** Waits until some node of `expected` answers a cluster health with `nodes` nodes (and status at least yellow). */
async function waitForNodes(expected, count, procs = []) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    for (const node of expected) {
      const h = await clusterHealth(node.url);
      if (h && h.number_of_nodes >= count && (h.status === 'green' || h.status === 'yellow')) return h;
      const now = h ? `${h.number_of_nodes} node(s), ${h.status}` : 'not answering';
      if (now !== last) say(`waiting for ${count} node(s): ${node.name} says ${now}`);
      last = now;
    }
    const dead = procs.find((p) => p.failed);
    if (dead) throw new SetupError(`${dead.node.name} failed to start; see ${dead.node.logDir}`);
    await sleep(1000);
  }
  throw new SetupError(`the cluster did not reach ${count} node(s) within ${START_TIMEOUT_MS / 1000}s; see ${root}/node-*/logs`);
}

/** Starts one node as a daemon; resolves when its launcher returns (the node has started, not necessarily joined). */
function launch(node, jh, bootstrap) {
  mkdirSync(node.dataDir, { recursive: true });
  mkdirSync(node.logDir, { recursive: true });
  const args = [
    '-Expack.security.enabled=false',
    '-Enetwork.host=127.0.0.1',
    `-Ecluster.name=${CLUSTER_NAME}`,
    `-Enode.name=${node.name}`,
    `-Ehttp.port=${node.httpPort}`,
    `-Etransport.port=${node.transportPort}`,
    `-Ediscovery.seed_hosts=${NODES.map((x) => `127.0.0.1:${x.transportPort}`).join(',')}`,
    // Only for the very first formation: a node that already belongs to a cluster must not be told to bootstrap one.
    ...(bootstrap ? [`-Ecluster.initial_master_nodes=${NODES.map((x) => x.name).join(',')}`] : []),
    '-Ecluster.routing.allocation.disk.threshold_enabled=false',
    `-Epath.data=${node.dataDir}`,
    `-Epath.logs=${node.logDir}`,
    '-d',
    '-p',
    node.pidFile,
  ];
  const javaOpts = `-Xms${HEAP} -Xmx${HEAP}`;
  const env = { ...process.env, ES_JAVA_HOME: jh, ES_JAVA_OPTS: javaOpts };
  delete env.JAVA_HOME;
  const bin = join(home, 'bin', 'elasticsearch');
  const out = openSync(join(node.logDir, 'stdout.log'), 'a');
  const child = runningAsRoot()
    ? spawn('runuser', ['-u', ES_USER, '--', 'env', `ES_JAVA_HOME=${jh}`, `ES_JAVA_OPTS=${javaOpts}`, bin, ...args], {
        stdio: ['ignore', out, out],
        env,
      })
    : spawn(bin, args, { stdio: ['ignore', out, out], env });
  const proc = { node, failed: false };
  proc.done = new Promise((resolve) =>
    child.once('exit', (code) => {
      if (code !== 0) {
        proc.failed = true;
        say(`${node.name}: launcher exited with ${code}; see ${join(node.logDir, 'stdout.log')} and ${node.logDir}/${CLUSTER_NAME}.log`);
      }
      resolve(code);
    }),
  );
  return proc;
}

function prepare() {
  const jh = javaHome();
  if (!jh) throw new SetupError('No Java 17+ found: install a JDK 17 or newer (e.g. `apt-get install openjdk-17-jdk-headless`).');
  ensureDistribution();
  mkdirSync(root, { recursive: true });
  for (const node of NODES) {
    mkdirSync(node.dataDir, { recursive: true });
    mkdirSync(node.logDir, { recursive: true });
  }
  if (runningAsRoot()) ensureUser();
  return jh;
}

export async function start(which) {
  const targets = which === undefined ? NODES : [nodeOf(which)];
  const down = [];
  for (const node of targets) {
    const p = await probe(node.url);
    if (p.up) say(`${node.name} already running at ${node.url}`);
    else down.push(node);
  }
  if (down.length === 0) {
    await waitForNodes(NODES, which === undefined ? NODES.length : 1);
    return NODES.map((x) => x.url);
  }
  const jh = prepare();
  const bootstrap = NODES.every(fresh);
  say(
    `starting ${down.map((x) => `${x.name} (${x.url})`).join(', ')}: Elasticsearch ${ES_VERSION}, heap ${HEAP}` +
      `${bootstrap ? ', forming a new cluster' : ''}${runningAsRoot() ? `, as user ${ES_USER}` : ''}`,
  );
  // Launched together: a node waits for its peers during start-up, so one at a time would serialise those waits.
  const procs = down.map((node) => launch(node, jh, bootstrap));
  await Promise.race([Promise.all(procs.map((p) => p.done)), sleep(START_TIMEOUT_MS)]);
  if (procs.some((p) => p.failed)) throw new SetupError('a node failed to start (see above)');
  // Each started node must have joined: it must see every node that is running.
  const running = NODES.filter((x) => pidOf(x) !== null).length;
  await waitForNodes(down, running, procs);
  say(`ready: ${NODES.map((x) => x.url).join(', ')}; logs under ${root}/node-*/logs`);
  return NODES.map((x) => x.url);
}

async function waitForExit(pid, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await sleep(200);
  }
  return false;
}

export async function stop(which) {
  const targets = which === undefined ? NODES : [nodeOf(which)];
  await Promise.all(
    targets.map(async (node) => {
      const pid = pidOf(node);
      if (pid === null) {
        say(`${node.name} not running`);
        rmSync(node.pidFile, { force: true });
        return;
      }
      process.kill(pid, 'SIGTERM');
      if (!(await waitForExit(pid, 90_000))) {
        process.kill(pid, 'SIGKILL');
        await waitForExit(pid, 10_000);
        say(`${node.name} did not stop within 90 s: killed (pid ${pid})`);
      } else say(`${node.name} stopped (pid ${pid})`);
      rmSync(node.pidFile, { force: true });
    }),
  );
}

export async function kill(which) {
  if (which === undefined) throw new SetupError('kill needs a node: 1, 2 or 3');
  const node = nodeOf(which);
  const pid = pidOf(node);
  if (pid === null) throw new SetupError(`${node.name} is not running`);
  process.kill(pid, 'SIGKILL');
  await waitForExit(pid, 10_000);
  rmSync(node.pidFile, { force: true });
  say(`${node.name} killed with SIGKILL (pid ${pid})`);
}

export async function status() {
  let up = 0;
  for (const node of NODES) {
    const p = await probe(node.url);
    if (p.up) up++;
    say(`${node.name} ${node.url}: ${p.up ? `up, cluster status ${p.status}` : `down (${p.reason})`}; pid ${pidOf(node) ?? '-'}`);
  }
  return up === NODES.length;
}

export async function wipe() {
  await stop();
  rmSync(root, { recursive: true, force: true });
  say(`deleted ${root}`);
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const [cmd = 'status', arg] = process.argv.slice(2);
  const run = {
    start: () => start(arg),
    stop: () => stop(arg),
    kill: () => kill(arg),
    status,
    wipe,
    url: async () => process.stdout.write(`${(await start()).join(',')}\n`),
    pid: async () => process.stdout.write(`${pidOf(nodeOf(arg)) ?? ''}\n`),
  }[cmd];
  if (!run) {
    say(`unknown command ${cmd}; use start|stop|kill|status|url|pid|wipe`);
    process.exit(2);
  }
  run()
    .then((r) => process.exit(cmd === 'status' && r === false ? 1 : 0))
    .catch((e) => {
      say(e instanceof SetupError ? e.message : `unexpected failure: ${e?.stack ?? e}`);
      process.exit(1);
    });
}
