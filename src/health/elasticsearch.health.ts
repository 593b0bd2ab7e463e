import { Client, errors } from '@elastic/elasticsearch';
import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { ES_CLIENT } from '../infrastructure/elasticsearch/elasticsearch.tokens';

export const ELASTICSEARCH_HEALTH_KEY = 'elasticsearch';

/** Up when the cluster answers quickly with status yellow or green. */
@Injectable()
export class ElasticsearchHealthIndicator {
  constructor(
    @Inject(ES_CLIENT) private readonly client: Client,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async check(): Promise<HealthIndicatorResult<typeof ELASTICSEARCH_HEALTH_KEY>> {
    const indicator = this.indicators.check(ELASTICSEARCH_HEALTH_KEY);
    try {
      // No retries and a short deadline: a probe must answer fast, and the next probe retries anyway.
      const health = await this.client.cluster.health({ timeout: '2s' }, { requestTimeout: 2500, maxRetries: 0 });
      if (health.status === 'red') return indicator.down({ clusterStatus: health.status, message: 'cluster status is red' });
      return indicator.up({ clusterStatus: health.status });
    } catch (error) {
      return indicator.down({ clusterStatus: 'unreachable', message: describe(error) });
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof errors.ResponseError) return `Elasticsearch answered HTTP ${error.statusCode ?? 'error'}`;
  if (error instanceof errors.ElasticsearchClientError) return `${error.name}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
