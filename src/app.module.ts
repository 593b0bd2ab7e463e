import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuthModule } from './auth/auth.module';
import type { AppConfig } from './config/app-config';
import { CoreModule, type CoreModuleOptions } from './core.module';
import { HealthModule } from './health/health.module';
import { EventsModule } from './modules/events/events.module';
import { PaymentModule } from './modules/payment/payment.module';
import { AnalyticsModule } from './modules/analytics/analytics.module';
import { BillingModule } from './modules/billing/billing.module';
import { WorkflowModule } from './modules/workflow/workflow.module';
import { ProjectionsAdminModule } from './modules/projections/projections-admin.module';
import { LogModule } from './modules/log/log.module';
import { BackupModule } from './modules/backup/backup.module';

export interface AppModuleOptions extends CoreModuleOptions {
  /** Extra modules, e.g. test-only controllers. */
  imports?: ModuleMetadata['imports'];
}

/**
 * The service. Feature modules go in `imports` below; they can inject AppConfig, ES_CLIENT and
 * ReadinessRegistry, which CoreModule and HealthModule provide globally.
 */
@Module({
  imports: [
    CqrsModule.forRoot(),
    HealthModule,
    AuthModule,
    EventsModule,
    // The projections engine: read models and sagas on the global log, admin endpoints, readiness.
    ProjectionsAdminModule,
    PaymentModule,
    BillingModule,
    WorkflowModule,
    AnalyticsModule,
    // Other services following the log: pages, a live SSE tail, durable consumer groups.
    LogModule,
    // Backups of the store for operators (admin).
    BackupModule,
  ],
})
export class AppModule {
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    return { module: AppModule, imports: [CoreModule.forRoot(config, options), ...(options.imports ?? [])] };
  }
}
