import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { createDevelopmentToken } from './auth/dev-token';
import { ConfigValidationError, loadConfig } from './config/load-config';
import type { AppConfig } from './config/app-config';

/** After SIGTERM, in-flight requests get this long to finish before the process gives up on them. */
const SHUTDOWN_GRACE_MS = 25_000;

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }

  const app = await createApp({}, { config });
  // On SIGTERM/SIGINT Nest closes the app: the server stops accepting and drains in-flight
  // requests, then the Elasticsearch client is closed (onApplicationShutdown).
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => {
        process.stderr.write(`Shutdown took longer than ${SHUTDOWN_GRACE_MS} ms; exiting\n`);
        process.exit(1);
      }, SHUTDOWN_GRACE_MS).unref();
    });
  }

  await app.listen({ port: config.port, host: config.host });
  const logger = new Logger('Bootstrap');
  logger.log(
    `Gyroscops listening on http://${config.host}:${config.port} (Elasticsearch ${config.esNode}, index prefix ${config.esIndexPrefix})`,
  );

  const token = createDevelopmentToken(config);
  if (token) {
    logger.log(`Development token (user dev-user, org dev-org, roles admin+writer+reader, valid 24 h): Authorization: Bearer ${token}`);
    logger.log(`Try: curl -H "Authorization: Bearer ${token}" http://127.0.0.1:${config.port}/v1/whoami`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
