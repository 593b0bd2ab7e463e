/**
 * The service's memory under batched appends over HTTP, apart from the bench: starts the service from the bench's
 * compiled build (run `npm run bench -- --quick --only=1` once to make it) against ES_NODE, sends 100-event appends from
 * 8 clients for SECS seconds (default 60), and prints its RSS and V8 heap (from /metrics) every 5 s. The service's node
 * gets production's flags (package.json's start:prod), then NODE_FLAGS: e.g. NODE_FLAGS=--heap-growing-percent=0 for
 * V8's default heap growth, or --max-old-space-size=192 to see what a heap bound changes. Usage:
 *   ES_NODE=http://127.0.0.1:9250 [SECS=60] [CLIENTS=8] [PER=100] [NODE_FLAGS=...] node bench/tools/memory-under-load.js
 */
const { spawn } = require('node:child_process');
const { readFileSync } = require('node:fs');
const path = require('node:path');
const root = path.join(__dirname, '..', '..');
const build = path.join(root, 'node_modules/.cache/gyroscops-bench/build');
const secret = require('node:crypto').randomBytes(32).toString('hex');
// The flags production runs the service with (this tree's package.json start:prod), then NODE_FLAGS (a later V8 flag wins).
process.env.BENCH_SOURCE_DIR = process.env.BENCH_SOURCE_DIR || path.join(root, 'bench');
const { productionNodeFlags } = require(path.join(build, 'bench/core/service.js'));
const extra = [...productionNodeFlags(), ...(process.env.NODE_FLAGS || '').split(' ').filter(Boolean)];
const prefix = `memx-${Date.now()}`;
const esNode = process.env.ES_NODE || 'http://127.0.0.1:9200';
const child = spawn(
  process.execPath,
  [...extra, '-r', require.resolve('tsconfig-paths/register'), path.join(build, 'bench/service-main.js')],
  {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      PORT: '3999',
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      ES_NODE: esNode,
      ES_INDEX_PREFIX: prefix,
      AUTH_JWT_SECRET: secret,
      METRICS_TOKEN: 'mtok-0123456789abcdef0123',
      THROTTLE_LIMIT: '0',
      LOG_LEVEL: 'info',
      TS_NODE_BASEURL: build,
      BENCH_SERVICE_RUNNERS: 'off',
    },
  },
);
const { signAccessToken } = require(path.join(build, 'src/auth/dev-token.js'));
const { dropPrefix, makeClient } = require(path.join(build, 'bench/core/elasticsearch.js'));
/** Stops the service, then deletes the indices and templates it made under its prefix. */
async function finish(signal) {
  child.kill(signal);
  await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));
  const client = makeClient(esNode);
  const dropped = await dropPrefix(client, prefix);
  await client.close();
  console.log(`dropped ${dropped.length} indices of ${prefix}`);
}
const base = 'http://127.0.0.1:3999';
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024;
async function metrics() {
  const t = await (await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer mtok-0123456789abcdef0123' } })).text();
  const get = (n) => {
    const m = new RegExp(`^${n}(?:\\{[^}]*\\})? ([0-9.e+]+)`, 'm').exec(t);
    return m ? (Number(m[1]) / 1048576).toFixed(0) : '?';
  };
  return `heapUsed ${get('nodejs_heap_size_used_bytes')} heapTotal ${get('nodejs_heap_size_total_bytes')} external ${get('nodejs_external_memory_bytes')}`;
}
const toks = new Map();
const tok = (u) => {
  if (!toks.has(u))
    toks.set(
      u,
      signAccessToken({ sub: `u-${u}`, org: `org-${u % 50}`, roles: ['writer', 'reader', 'admin'] }, { algorithm: 'HS256', secret }),
    );
  return toks.get(u);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  for (;;) {
    try {
      if ((await fetch(`${base}/health/ready`)).status === 200) break;
    } catch {}
    await sleep(250);
  }
  console.log('idle rss', rss().toFixed(0), await metrics());
  const secs = Number(process.env.SECS || 60),
    per = Number(process.env.PER || 100),
    clients = Number(process.env.CLIENTS || 8);
  const end = Date.now() + secs * 1000;
  let n = 0,
    peak = 0;
  const sampler = setInterval(async () => {
    const r = rss();
    peak = Math.max(peak, r);
    console.log(
      `t+${((Date.now() - end) / 1000 + secs).toFixed(0)}s rss ${r.toFixed(0)} peak ${peak.toFixed(0)} appends ${n}`,
      await metrics().catch(() => ''),
    );
  }, 5000);
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      while (Date.now() < end) {
        const u = (n * 7 + c) % 500;
        const events = Array.from({ length: per }, (_, i) => ({
          eventId: require('node:crypto').randomUUID(),
          eventType: 'PaymentInitiated',
          eventData: {
            paymentId: `p-${n}-${i}`,
            amountMinor: 1000 + i,
            currency: 'EUR',
            customer: { name: 'Ada Lovelace', email: 'ada@example.com', note: 'x'.repeat(120) },
          },
          metadata: { channel: 'api' },
        }));
        const r = await fetch(`${base}/v1/aggregates/mem-${c}-${n++}-${Date.now()}/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tok(u)}` },
          body: JSON.stringify({ aggregateType: 'Payment', expectedVersion: 'no_stream', events }),
        });
        if (r.status !== 201) {
          console.log('status', r.status, (await r.text()).slice(0, 200));
          await sleep(100);
        } else await r.arrayBuffer();
      }
    }),
  );
  clearInterval(sampler);
  console.log('end rss', rss().toFixed(0), 'peak', peak.toFixed(0), 'appends', n, await metrics());
  await finish('SIGTERM');
})().catch(async (e) => {
  console.error(e);
  await finish('SIGKILL').catch((x) => console.error(x));
  process.exit(1);
});
