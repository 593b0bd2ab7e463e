import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import type { AppConfig } from './config/app-config';
import { ConfigValidationError, loadConfig } from './config/load-config';
import { runProjectionsCli } from './modules/projections/projections.cli';
import { ProjectionsAdminModule } from './modules/projections/projections-admin.module';

/**
 * Command-line entry: `npm run projections -- status`, `npm run projections -- rebuild <name>`.
 * Same configuration as the service (environment variables); logs below warn are off unless LOG_LEVEL says otherwise.
 */
async function main(): Promise<number> {
  let config: AppConfig;
  try {
    config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
  return runProjectionsCli(
    process.argv.slice(2),
    { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) },
    async () => {
      // ProjectionsAdminModule is listed here as well as in AppModule: Nest keeps one instance of it.
      const app = await NestFactory.createApplicationContext(AppModule.forRoot(config, { imports: [ProjectionsAdminModule] }), {
        bufferLogs: true,
        abortOnError: false,
      });
      app.useLogger(app.get(Logger));
      app.flushLogs();
      return app;
    },
    stop.signal,
  );
}

main()
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
