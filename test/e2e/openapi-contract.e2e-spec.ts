import type { AddressInfo } from 'node:net';
import { startTestApp, type TestApp } from '../support/e2e-app';
import { ensureSchemathesis, runSchemathesis, schemathesisSummary, type SchemathesisRun } from './schemathesis/schemathesis-runner';

/**
 * The OpenAPI document is the contract internal clients generate code from: Schemathesis 4.32 checks the whole
 * service against it with every check (`--checks all`): schema-valid requests accepted, invalid ones refused,
 * every status and body as documented, 405 with Allow for methods the API does not have, never a 5xx.
 * Fixed seed and bounded examples, so a run is repeatable and takes a couple of minutes on 2 cores.
 */
const SEED = 20261130;
const MAX_EXAMPLES = 20;
const WORKERS = 2;

describe('The OpenAPI document, checked by Schemathesis against the running service', () => {
  let t: TestApp;
  let baseUrl: string;
  let st: string;
  beforeAll(async () => {
    st = ensureSchemathesis();
    // CONTRACT_LOG_LEVEL=warn prints the service's log (each 5xx with its cause) while Schemathesis runs.
    t = await startTestApp('contract', { LOG_LEVEL: process.env.CONTRACT_LOG_LEVEL ?? 'silent' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  }, 600_000);
  afterAll(async () => t?.close());

  it('finds no failure and no error with every check', async () => {
    const run: SchemathesisRun = await runSchemathesis(st, baseUrl, t.token('org-contract', ['admin', 'writer', 'reader']), {
      seed: SEED,
      maxExamples: MAX_EXAMPLES,
      workers: WORKERS,
      timeoutMs: 840_000,
    });
    process.stdout.write(
      `Schemathesis (${run.seconds.toFixed(0)} s, seed ${SEED}, ${MAX_EXAMPLES} examples):\n${schemathesisSummary(run.output)}\n`,
    );
    // On failure the whole report is the message: each failure with its curl reproduction.
    expect({ exitCode: run.exitCode, report: run.exitCode === 0 ? 'ok' : run.output.slice(-30_000) }).toEqual({
      exitCode: 0,
      report: 'ok',
    });
    // Every operation of the document was exercised, and the closing line counts neither failures nor errors.
    const [, selected, total] = /Selected: (\d+)\/(\d+)/.exec(run.output) ?? [];
    expect(Number(total)).toBeGreaterThanOrEqual(43);
    expect(/Tested: (\d+)/.exec(run.output)?.[1]).toBe(selected);
    expect(selected).toBe(total);
    expect(run.output).not.toMatch(/\d+ (failures?|errors?)\b/);
  }, 900_000);
});
