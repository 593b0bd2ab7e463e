import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { lagReport, ProjectionEngine } from '@gyroscops/projections';
import { AppConfig } from '../../config/app-config';
import { ReadinessRegistry, type ReadinessResult } from '../../health/readiness.registry';

/**
 * Readiness check `projections`: a projection lagging more than PROJECTION_LAG_THRESHOLD events behind
 * the head, or stopped on a failure, is reported as degraded (listed in the check's details) while the
 * instance stays ready. Lag is the same on every instance, so failing readiness would take them all out
 * of the load balancer at once for a problem that does not stop writes; set `lagMakesUnready` to change that.
 */
@Injectable()
export class ProjectionsReadiness implements OnModuleInit, OnModuleDestroy {
  static readonly lagMakesUnready = false;
  private unregister: (() => void) | null = null;

  constructor(
    private readonly registry: ReadinessRegistry,
    private readonly engine: ProjectionEngine,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.unregister = this.registry.register('projections', () => this.check());
  }

  onModuleDestroy(): void {
    this.unregister?.();
  }

  async check(): Promise<ReadinessResult> {
    const report = lagReport(await this.engine.status(), this.config.projectionLagThreshold);
    return {
      up: !(report.degraded && ProjectionsReadiness.lagMakesUnready),
      details: { degraded: report.degraded, lagThreshold: report.lagThreshold, lagging: report.projections },
    };
  }
}
