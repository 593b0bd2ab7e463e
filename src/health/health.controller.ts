import { Controller, Get, Logger, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorFunction,
} from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/access.decorators';
import { ElasticsearchHealthIndicator } from './elasticsearch.health';
import { ReadinessRegistry, runReadinessCheck } from './readiness.registry';

@ApiTags('health')
@Public()
@SkipThrottle()
@Controller('health')
export class HealthController {
  private readonly logger = new Logger('Readiness');
  private lastReady: boolean | null = null;

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly elasticsearch: ElasticsearchHealthIndicator,
    private readonly registry: ReadinessRegistry,
  ) {}

  /** The process is up and serving HTTP. Depends on nothing else, so a slow dependency never gets it restarted. */
  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** 200 when Elasticsearch answers (yellow or green) and every registered readiness check passes; 503 otherwise. */
  @Get('ready')
  @HealthCheck()
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    const checks: HealthIndicatorFunction[] = [() => this.elasticsearch.check()];
    for (const [name, check] of this.registry.entries()) {
      checks.push(async () => {
        const { up, details } = await runReadinessCheck(check);
        const indicator = this.indicators.check(name);
        return up ? indicator.up(withoutStatus(details)) : indicator.down(withoutStatus(details));
      });
    }
    try {
      const result = await this.health.check(checks);
      this.report(true, result);
      return result;
    } catch (error) {
      // Terminus's own body (naming each check and its state) is the answer, not the generic error shape.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      this.report(false, result);
      void reply.status(503);
      return result;
    }
  }

  /** Logs changes of readiness only, not every probe. */
  private report(ready: boolean, result: HealthCheckResult): void {
    if (ready === this.lastReady) return;
    this.lastReady = ready;
    if (ready) this.logger.log('Service is ready');
    else this.logger.warn({ failing: result.error }, 'Service is not ready');
  }
}

function withoutStatus(details: Record<string, unknown> | undefined): Record<string, unknown> {
  const { status: _status, ...rest } = details ?? {};
  return rest;
}
