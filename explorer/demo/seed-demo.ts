/**
 * npm run explorer:demo [-- --url http://127.0.0.1:3000]: fills the development organization (dev-org) of a running
 * service with demonstration data (demo-data.ts), signed with the development token of this configuration.
 */
import { randomBytes } from 'node:crypto';
import { createDevelopmentToken } from '../../src/auth/dev-token';
import { loadConfig } from '../../src/config/load-config';
import { createDemoData } from './demo-data';

async function main(): Promise<void> {
  const config = loadConfig();
  const token = createDevelopmentToken(config);
  if (!token)
    throw new Error('No development token in this configuration (production, or an RS256 key): nothing to sign the demo data with.');
  const i = process.argv.indexOf('--url');
  const baseUrl = i >= 0 ? process.argv[i + 1] : `http://127.0.0.1:${config.port}`;
  const tag = `demo-${randomBytes(3).toString('hex')}`;
  const data = await createDemoData({ baseUrl, token, tag });
  process.stdout.write(`Demo data written to ${baseUrl} (organization dev-org):\n${JSON.stringify(data, null, 2)}\n`);
  process.stdout.write(`Open ${baseUrl}/explorer/#/correlation/${data.correlationId}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
