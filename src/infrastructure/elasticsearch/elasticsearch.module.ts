import { Client } from '@elastic/elasticsearch';
import { Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { ES_CLIENT } from './elasticsearch.tokens';

export function createElasticsearchClient(config: AppConfig): Client {
  // Every node of ES_NODE: the client spreads requests over them and stops sending to one that fails (node loss).
  return new Client({ nodes: [...config.esNodes], requestTimeout: 30_000, maxRetries: 3, name: 'gyroscops' });
}

/**
 * Closes the client once the HTTP server has drained: Nest calls onApplicationShutdown after it has
 * closed the server and waited for in-flight requests, which may still need Elasticsearch.
 */
@Injectable()
class ElasticsearchClientCloser implements OnApplicationShutdown {
  private readonly logger = new Logger('Elasticsearch');
  constructor(@Inject(ES_CLIENT) private readonly client: Client) {}

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
    this.logger.log('Elasticsearch client closed');
  }
}

@Global()
@Module({
  providers: [{ provide: ES_CLIENT, inject: [AppConfig], useFactory: createElasticsearchClient }, ElasticsearchClientCloser],
  exports: [ES_CLIENT],
})
export class ElasticsearchModule {}
