import { spawn } from 'node:child_process';
import type { estypes } from '@elastic/elasticsearch';
import { REPO_ROOT } from './elasticsearch';
import { HttpClient } from './http-client';
import { cpuOfPid, sleep } from './measure';

/**
 * The least any HTTP service in front of Elasticsearch can add on this machine: a Node process of its own with nothing
 * but `node:http` and the official client, which sends the request it is given (`POST /search`, `/create` or `/bulk`,
 * the client's parameters as JSON) and answers Elasticsearch's answer (a search's as it is; for writes whether they
 * were stored). No routing, authentication, validation, logging or mapping. The service's HTTP rows are compared with
 * it in the same run, so the report shows how much of the service's distance to raw Elasticsearch is the extra process
 * hop itself (a process more on the critical path, on the cores Elasticsearch and the clients share) and how much is
 * the service's own work.
 */
const SERVER = `
const { Client } = require('@elastic/elasticsearch');
const es = new Client({ node: process.env.ES_NODE, requestTimeout: 120000 });
// What an HTTP service would answer for a write: whether it was stored, not Elasticsearch's per-item report.
const answers = { search: (r) => r, create: (r) => ({ result: r.result }), bulk: (r) => ({ errors: r.errors, items: r.errors ? r.items : [] }) };
const server = require('node:http').createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const api = req.url.slice(1);
    es[api](JSON.parse(Buffer.concat(chunks).toString('utf8'))).then(
      (answer) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(answers[api](answer))); },
      (error) => { res.statusCode = error.meta?.statusCode === 409 ? 409 : 502; res.end(JSON.stringify({ error: String(error) })); },
    );
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

export interface BareProxy {
  search<T = unknown>(request: estypes.SearchRequest): Promise<T>;
  /** `conflict` when the document exists (Elasticsearch answered 409). */
  create(request: estypes.CreateRequest): Promise<'created' | 'conflict'>;
  bulk(request: estypes.BulkRequest): Promise<void>;
  /** CPU time the proxy process has used, in ms. */
  cpuMs(): number | null;
  close(): Promise<void>;
}

export async function startBareProxy(esNode: string): Promise<BareProxy> {
  const child = spawn(process.execPath, ['-e', SERVER], {
    cwd: REPO_ROOT, // resolves @elastic/elasticsearch from the project
    env: { ...process.env, ES_NODE: esNode },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-4000)));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    child.once('exit', (code) => reject(new Error(`the bare proxy exited with code ${code}: ${stderr}`)));
    setTimeout(() => reject(new Error(`the bare proxy did not start within 30 s: ${stderr}`)), 30_000).unref();
  });
  const http = new HttpClient(`http://127.0.0.1:${port}`);
  const pid = child.pid as number;
  const call = async <T>(api: 'search' | 'create' | 'bulk', request: object, conflict?: T): Promise<T> => {
    const r = await http.send<T>('POST', `/${api}`, null, JSON.stringify(request));
    if (r.status === 409 && conflict !== undefined) return conflict;
    if (r.status !== 200) throw new Error(`the bare proxy answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
    return r.body;
  };
  return {
    search: <T>(request: estypes.SearchRequest) => call<T>('search', request),
    async create(request) {
      const r = await call<{ result?: string }>('create', request, { result: 'conflict' });
      if (r.result === 'conflict') return 'conflict';
      if (r.result !== 'created') throw new Error(`the bare proxy's create answered ${JSON.stringify(r).slice(0, 300)}`);
      return 'created';
    },
    async bulk(request) {
      const r = await call<{ errors: boolean; items: unknown[] }>('bulk', request);
      if (r.errors) throw new Error(`the bare proxy's bulk failed: ${JSON.stringify(r.items).slice(0, 300)}`);
    },
    cpuMs: () => cpuOfPid(pid),
    async close() {
      http.close();
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5_000).then(() => child.kill('SIGKILL'))]);
    },
  };
}

/** The note of a bare-proxy row: what it sent, and what it answered. */
export const bareProxyNote = (sent: string, answered: string): string =>
  `a bare Node HTTP server in a process of its own sending ${sent} with the official client and answering ${answered}: ` +
  'the least any HTTP service in front of Elasticsearch adds on this machine (no target)';
