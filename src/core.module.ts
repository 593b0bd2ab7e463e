import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { LoggerModule } from 'nestjs-pino';
import type { SpanExporter } from '@opentelemetry/sdk-trace-node';
import type { DestinationStream } from 'pino';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter';
import { createValidationPipe } from './common/errors/validation';
import { withoutLoggerMiddleware } from './common/logging/access-log.hook';
import { loggerParams } from './common/logging/logger.options';
import { ElasticsearchModule } from './infrastructure/elasticsearch/elasticsearch.module';
import { ObservabilityModule } from './observability/observability.module';
import { withTraceIds } from './observability/tracing';
import { RateLimitGuard } from './rate-limit/rate-limit.guard';
import { rateLimitOptions } from './rate-limit/rate-limit.options';

export interface CoreModuleOptions {
  /** Where log lines go instead of stdout (tests). */
  logDestination?: DestinationStream;
  /** Where spans go instead of the OTLP exporter when tracing is on (tests). */
  spanExporter?: SpanExporter;
}

/** Cross-cutting infrastructure every app instance has: config, logging, Elasticsearch client, errors, validation, rate limiting. */
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig, options: CoreModuleOptions = {}): DynamicModule {
    return {
      module: CoreModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(withoutLoggerMiddleware(withTraceIds(loggerParams(config, options.logDestination), config.tracing.enabled))),
        ElasticsearchModule,
        ObservabilityModule.forRoot({ spanExporter: options.spanExporter }),
        ThrottlerModule.forRoot(rateLimitOptions(config.throttle)),
      ],
      providers: [
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_GUARD, useClass: RateLimitGuard },
      ],
    };
  }
}
