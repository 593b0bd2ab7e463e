import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runElasticsearchScript as runScript } from './support/elasticsearch-script';
import { freePort } from './support/service-process';

// jest's global set-up reads the Elasticsearch URL from the stdout of `scripts/elasticsearch.mjs url`. On a machine
// that never ran the project, Maven's output once reached that stdout (ANSI colour resets before the URL) and every
// suite failed; the second run passed because the distribution was cached. This runs that first-run path for real:
// an empty cache folder, a port of its own, no ES_NODE, no Docker; a second Elasticsearch is unpacked and started.
const URL_TIMEOUT_MS = 240_000;

describe('when Elasticsearch is started on a machine that never ran the project (empty cache)', () => {
  let cacheDir: string;
  let env: NodeJS.ProcessEnv;
  let port: number;

  beforeAll(async () => {
    cacheDir = mkdtempSync(join(tmpdir(), 'gyroscops-es-first-run-'));
    port = await freePort();
    env = {
      ...process.env,
      ES_CACHE_DIR: cacheDir,
      ES_LOCAL_PORT: String(port),
      // Small: CI has 2 cores and the Elasticsearch of the other suites runs meanwhile.
      ES_LOCAL_HEAP: '256m',
      // The path under test is the Maven Central distribution, the one a machine without a Docker engine takes.
      ES_NO_DOCKER: '1',
    };
    // jest's global set-up put the shared Elasticsearch in ES_NODE; with it the script would not start anything.
    delete env.ES_NODE;
  });

  afterAll(async () => {
    try {
      const stopped = await runScript('stop', env, 90_000);
      if (stopped.code !== 0) process.stderr.write(`elasticsearch.mjs stop exited ${stopped.code}:\n${stopped.stderr}\n`);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }, 120_000);

  it(
    'prints exactly its URL and a newline on stdout (children write to stderr), and that URL answers',
    async () => {
      const run = await runScript('url', env, URL_TIMEOUT_MS);

      // JSON.stringify makes stray escape sequences visible in the failure message.
      expect({ code: run.code, stdout: JSON.stringify(run.stdout) }).toEqual({
        code: 0,
        stdout: JSON.stringify(`http://127.0.0.1:${port}\n`),
      });
      expect(run.stderr).toContain('fetching'); // the first-run path really ran (nothing was cached)
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5000) });
      expect(res.headers.get('x-elastic-product')).toBe('Elasticsearch');
    },
    URL_TIMEOUT_MS + 10_000,
  );
});
