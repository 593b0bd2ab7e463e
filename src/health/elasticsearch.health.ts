import { Client, errors } from '@elastic/elasticsearch';
import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { AppConfig } from '../config/app-config';
import { ES_CLIENT } from '../infrastructure/elasticsearch/elasticsearch.tokens';

export const ELASTICSEARCH_HEALTH_KEY = 'elasticsearch';

type Status = 'green' | 'yellow' | 'red';

/**
 * Up when Elasticsearch answers quickly and none of the store's own indices is red. Judged on the indices of
 * `ES_INDEX_PREFIX` only (the event store's, projection state, read models, subject keys): a red index elsewhere in the
 * cluster (a backup check's scratch copy `backup-check-*` whose shard cannot be allocated, another team's index) is
 * not this service's concern, and turning every instance to 503 for it would take the service down for nothing. The
 * cluster's own status is reported alongside (`clusterStatus`), for information.
 */
@Injectable()
export class ElasticsearchHealthIndicator {
  constructor(
    @Inject(ES_CLIENT) private readonly client: Client,
    private readonly indicators: HealthIndicatorService,
    private readonly config: AppConfig,
  ) {}

  async check(): Promise<HealthIndicatorResult<typeof ELASTICSEARCH_HEALTH_KEY>> {
    const indicator = this.indicators.check(ELASTICSEARCH_HEALTH_KEY);
    const prefix = this.config.esIndexPrefix;
    try {
      // No retries and a short deadline: a probe must answer fast, and the next probe retries anyway.
      const options = { requestTimeout: 2500, maxRetries: 0 };
      const [cluster, store] = await Promise.all([
        this.client.cluster.health({ timeout: '2s' }, options),
        this.client.cluster.health(
          { index: `${prefix}-*`, level: 'indices', expand_wildcards: ['open', 'closed'], timeout: '2s' },
          options,
        ),
      ]);
      const own = storeIndexStatuses(prefix, (store.indices ?? {}) as Record<string, { status: Status }>);
      const red = Object.keys(own).filter((name) => own[name] === 'red');
      const storeStatus: Status = red.length > 0 ? 'red' : Object.values(own).includes('yellow') ? 'yellow' : 'green';
      if (red.length > 0)
        return indicator.down({
          clusterStatus: cluster.status,
          storeStatus,
          message: `store indices are red: ${red.slice(0, 10).join(', ')}${red.length > 10 ? ` and ${red.length - 10} more` : ''}`,
        });
      return indicator.up({ clusterStatus: cluster.status, storeStatus });
    } catch (error) {
      return indicator.down({ clusterStatus: 'unreachable', message: describe(error) });
    }
  }
}

/**
 * The statuses of the indices of the store under `prefix`, out of those `<prefix>-*` matched: without those of another
 * store whose prefix extends ours (`gyroscops-staging-*` inside `gyroscops-*`), recognised by its own `-meta` index
 * (the rule the backup uses to select a store's indices).
 */
export function storeIndexStatuses(prefix: string, indices: Record<string, { status: Status }>): Record<string, Status> {
  const names = Object.keys(indices).filter((n) => n.startsWith(`${prefix}-`));
  const others = names.filter((n) => n.endsWith('-meta') && n !== `${prefix}-meta`).map((n) => n.slice(0, -'-meta'.length));
  const own: Record<string, Status> = {};
  for (const name of names) if (!others.some((o) => name.startsWith(`${o}-`))) own[name] = indices[name].status;
  return own;
}

function describe(error: unknown): string {
  if (error instanceof errors.ResponseError) return `Elasticsearch answered HTTP ${error.statusCode ?? 'error'}`;
  if (error instanceof errors.ElasticsearchClientError) return `${error.name}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
