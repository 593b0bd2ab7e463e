/**
 * `npm run bench:scaling`: what the single global position counter costs as instances are added, and what partitioned
 * counters would buy (README "Scaling"). Every "instance" is a separate Node process with its own Elasticsearch client,
 * as service instances are; they start together on a signal and run for a fixed time.
 *
 *   1. appends: N instances of ElasticsearchEventStore, each with W writers appending one event at a time to streams
 *      of their own (no stream contention: only the counter is shared). Appends/s, counter conflicts, batch sizes.
 *   2. counter: N processes doing nothing but the allocator's compare-and-set on the counter document (the ceiling of
 *      allocations, i.e. of batches, per second), then the same against P partitioned counters (documents
 *      `position-0..P-1`, each process running one allocator per partition, as a partitioned design would).
 *
 * Options: --seconds=20 --instances=1,2,4 --writers=32 --partitions=1,2,4,8 --only=appends|counter --replicas=1
 * Elasticsearch: ES_NODE (comma-separated nodes), else the local three-node cluster (scripts/elasticsearch-cluster.mjs).
 */
import { fork, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { Client, type estypes } from '@elastic/elasticsearch';
import { type StoreObserver } from '@gyroscops/event-store';
import { ElasticsearchEventStore } from '@gyroscops/event-store/elasticsearch';

interface Options {
  seconds: number;
  instances: number[];
  writers: number;
  partitions: number[];
  only: 'appends' | 'counter' | null;
  replicas: number;
}

interface WorkerTask {
  role: 'appends' | 'counter';
  nodes: string[];
  prefix: string;
  seconds: number;
  writers: number;
  partitions: number;
  replicas: number;
}

interface WorkerResult {
  done: number;
  events: number;
  errors: number;
  conflicts: number;
  batches: number;
  batchAppends: number;
  latenciesMs: number[];
}

const ROOT = join(__dirname, '..', '..');

function parseOptions(argv: string[]): Options {
  const get = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const list = (name: string, fallback: number[]) => (get(name) ? (get(name) as string).split(',').map(Number) : fallback);
  return {
    seconds: Number(get('seconds') ?? 20),
    instances: list('instances', [1, 2, 4]),
    writers: Number(get('writers') ?? 32),
    partitions: list('partitions', [1, 2, 4, 8]),
    only: (get('only') as Options['only']) ?? null,
    replicas: Number(get('replicas') ?? 1),
  };
}

function clusterNodes(): string[] {
  if (process.env.ES_NODE) return process.env.ES_NODE.split(',');
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'elasticsearch-cluster.mjs'), 'url'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error('no Elasticsearch: set ES_NODE or let scripts/elasticsearch-cluster.mjs start the cluster');
  return r.stdout.trim().split(',');
}

// ------------------------------------------------------------------------------------------------ worker side

async function runAppends(task: WorkerTask, go: Promise<void>): Promise<WorkerResult> {
  const client = new Client({ nodes: task.nodes, requestTimeout: 30_000 });
  const result: WorkerResult = { done: 0, events: 0, errors: 0, conflicts: 0, batches: 0, batchAppends: 0, latenciesMs: [] };
  const observer: StoreObserver = {
    conflict: (on) => {
      if (on === 'counter') result.conflicts++;
    },
    batchStarted: (appends) => {
      result.batches++;
      result.batchAppends += appends;
    },
  };
  const store = new ElasticsearchEventStore({ client, indexPrefix: task.prefix, numberOfReplicas: task.replicas, observer });
  await store.setup();
  const ctx = { correlationId: 'bench', causationId: null, userId: 'bench', organizationId: 'bench', source: 'bench', isAdmin: false };
  const me = randomUUID().slice(0, 8);
  await go;
  const end = Date.now() + task.seconds * 1000;
  await Promise.all(
    Array.from({ length: task.writers }, async (_, w) => {
      const stream = `bench-${me}-${w}`;
      while (Date.now() < end) {
        const t0 = performance.now();
        try {
          await store.appendToStream(stream, [{ eventType: 'Counted', eventData: { w } }], {
            aggregateType: 'Bench',
            expectedVersion: 'any',
            context: ctx,
          });
          result.done++;
          result.events++;
          if (result.latenciesMs.length < 20_000) result.latenciesMs.push(performance.now() - t0);
        } catch {
          result.errors++;
        }
      }
    }),
  );
  await store.close();
  await client.close();
  return result;
}

/** The allocator's loop (es-positions.ts) without the rest of the protocol: cached counter, CAS, re-read on 409. */
async function runCounter(task: WorkerTask, go: Promise<void>): Promise<WorkerResult> {
  const client = new Client({ nodes: task.nodes, requestTimeout: 30_000 });
  const result: WorkerResult = { done: 0, events: 0, errors: 0, conflicts: 0, batches: 0, batchAppends: 0, latenciesMs: [] };
  const index = `${task.prefix}-meta`;
  await go;
  const end = Date.now() + task.seconds * 1000;
  await Promise.all(
    Array.from({ length: task.partitions }, async (_, p) => {
      const id = `position-${p}`;
      let cached: { value: number; seqNo: number; primaryTerm: number } | null = null;
      while (Date.now() < end) {
        const t0 = performance.now();
        try {
          if (!cached) {
            const read = await client.get<{ value: number }>({ index, id });
            cached = { value: read._source?.value ?? 0, seqNo: read._seq_no as number, primaryTerm: read._primary_term as number };
          }
          const written: estypes.WriteResponseBase = await client.index({
            index,
            id,
            if_seq_no: cached.seqNo,
            if_primary_term: cached.primaryTerm,
            document: { value: cached.value + 1 },
          });
          cached = { value: cached.value + 1, seqNo: written._seq_no as number, primaryTerm: written._primary_term as number };
          result.done++;
          if (result.latenciesMs.length < 20_000) result.latenciesMs.push(performance.now() - t0);
        } catch (e) {
          cached = null;
          if ((e as { meta?: { statusCode?: number } }).meta?.statusCode === 409) result.conflicts++;
          else result.errors++;
        }
      }
    }),
  );
  await client.close();
  return result;
}

function workerMain(): void {
  let release: () => void = () => undefined;
  const go = new Promise<void>((r) => (release = r));
  process.on('message', (msg: { task?: WorkerTask; go?: true }) => {
    if (msg.go) return release();
    const task = msg.task as WorkerTask;
    const run = task.role === 'appends' ? runAppends : runCounter;
    run(task, go).then(
      (result) => process.send?.({ result }, () => process.exit(0)),
      (error: unknown) => process.send?.({ error: String((error as Error)?.stack ?? error) }, () => process.exit(1)),
    );
    process.send?.({ ready: true });
  });
}

// ------------------------------------------------------------------------------------------------ driver side

async function runRound(task: Omit<WorkerTask, 'prefix'>, instances: number, prefix: string): Promise<WorkerResult[]> {
  const children = Array.from({ length: instances }, () =>
    fork(__filename, ['--worker'], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  const results = children.map(
    (child) =>
      new Promise<WorkerResult>((resolve, reject) => {
        child.on('message', (msg: { result?: WorkerResult; error?: string }) => {
          if (msg.result) resolve(msg.result);
          if (msg.error) reject(new Error(msg.error));
        });
        child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`worker exited with ${code}`))));
      }),
  );
  // Each worker sets up (indices, client) first; all start on the same signal.
  const ready = children.map((child) => new Promise<void>((resolve) => child.on('message', (m: { ready?: true }) => m.ready && resolve())));
  for (const child of children) child.send({ task: { ...task, prefix } });
  await Promise.all(ready);
  // Give set-up (index creation) time to finish in every worker before the clock starts.
  await new Promise((r) => setTimeout(r, 3000));
  for (const child of children) child.send({ go: true });
  return Promise.all(results);
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function prepareCounters(nodes: string[], prefix: string, partitions: number, replicas: number): Promise<void> {
  const client = new Client({ nodes });
  await client.indices.create({ index: `${prefix}-meta`, settings: { number_of_shards: 1, number_of_replicas: replicas } });
  for (let p = 0; p < partitions; p++) await client.index({ index: `${prefix}-meta`, id: `position-${p}`, document: { value: 0 } });
  await client.cluster.health({ index: `${prefix}-meta`, wait_for_status: replicas > 0 ? 'green' : 'yellow', timeout: '60s' });
  await client.close();
}

async function dropPrefix(nodes: string[], prefix: string): Promise<void> {
  const client = new Client({ nodes });
  const indices = Object.keys(await client.indices.get({ index: `${prefix}-*`, allow_no_indices: true, ignore_unavailable: true }));
  if (indices.length > 0) await client.indices.delete({ index: indices });
  const templates = await client.indices.getIndexTemplate({ name: `${prefix}-*` }).catch(() => ({ index_templates: [] }));
  for (const t of templates.index_templates) await client.indices.deleteIndexTemplate({ name: t.name }).catch(() => undefined);
  await client.close();
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const nodes = clusterNodes();
  const health = await new Client({ nodes }).cluster.health();
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(
    `# Counter ceiling: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}, ` +
      `${health.number_of_nodes} Elasticsearch node(s) (${nodes.join(',')}), replicas ${o.replicas}, ${o.seconds} s per round, ${new Date().toISOString()}, ` +
      `load average ${loadavg()[0].toFixed(1)} at start (other work on the machine skews absolute rates; compare rows of one run)`,
  );
  const run = `scale-${Date.now()}`;

  if (o.only !== 'counter') {
    say('');
    say(`| instances | writers each | appends/s | p50 ms | p99 ms | counter conflicts/s | appends per batch | errors |`);
    say(`| --------: | -----------: | --------: | -----: | -----: | ------------------: | ----------------: | -----: |`);
    for (const n of o.instances) {
      const prefix = `${run}-a${n}`;
      const results = await runRound(
        { role: 'appends', nodes, seconds: o.seconds, writers: o.writers, partitions: 1, replicas: o.replicas },
        n,
        prefix,
      );
      const done = results.reduce((s, r) => s + r.done, 0);
      const conflicts = results.reduce((s, r) => s + r.conflicts, 0);
      const batches = results.reduce((s, r) => s + r.batches, 0);
      const batchAppends = results.reduce((s, r) => s + r.batchAppends, 0);
      const lat = results.flatMap((r) => r.latenciesMs);
      say(
        `| ${n} | ${o.writers} | ${(done / o.seconds).toFixed(0)} | ${percentile(lat, 50).toFixed(1)} | ${percentile(lat, 99).toFixed(1)} | ` +
          `${(conflicts / o.seconds).toFixed(1)} | ${(batchAppends / Math.max(1, batches)).toFixed(1)} | ${results.reduce((s, r) => s + r.errors, 0)} |`,
      );
      await dropPrefix(nodes, prefix);
    }
  }

  if (o.only !== 'appends') {
    say('');
    say(`| counters (partitions) | processes | allocations/s | p50 ms | conflicts/s |`);
    say(`| --------------------: | --------: | ------------: | -----: | ----------: |`);
    const rounds: [number, number][] = [
      ...o.instances.map((n): [number, number] => [1, n]),
      ...o.partitions.filter((p) => p > 1).map((p): [number, number] => [p, Math.max(...o.instances)]),
    ];
    for (const [partitions, n] of rounds) {
      const prefix = `${run}-c${partitions}-${n}`;
      await prepareCounters(nodes, prefix, partitions, o.replicas);
      const results = await runRound(
        { role: 'counter', nodes, seconds: o.seconds, writers: 1, partitions, replicas: o.replicas },
        n,
        prefix,
      );
      const done = results.reduce((s, r) => s + r.done, 0);
      const conflicts = results.reduce((s, r) => s + r.conflicts, 0);
      const lat = results.flatMap((r) => r.latenciesMs);
      say(
        `| ${partitions} | ${n} | ${(done / o.seconds).toFixed(0)} | ${percentile(lat, 50).toFixed(1)} | ${(conflicts / o.seconds).toFixed(1)} |`,
      );
      await dropPrefix(nodes, prefix);
    }
  }
  say('');
  say(`load average ${loadavg()[0].toFixed(1)} at the end`);
}

if (process.argv.includes('--worker')) workerMain();
else
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
