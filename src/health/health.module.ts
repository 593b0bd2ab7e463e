import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ElasticsearchHealthIndicator } from './elasticsearch.health';
import { HealthController } from './health.controller';
import { ReadinessRegistry } from './readiness.registry';

/** Global so any module can inject ReadinessRegistry and register its own readiness check. */
@Global()
@Module({
  // Readiness changes are logged by the controller; terminus would log every failing probe.
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [ReadinessRegistry, ElasticsearchHealthIndicator],
  exports: [ReadinessRegistry],
})
export class HealthModule {}
