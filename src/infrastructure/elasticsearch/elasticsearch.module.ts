import { Client } from '@elastic/elasticsearch';
import { Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { ES_CLIENT } from './elasticsearch.tokens';
import { writeBlockAwareTransport } from './write-block-aware.transport';

export function createElasticsearchClient(config: AppConfig): Client {
  // Every node of ES_NODE: the client spreads requests over them and stops sending to one that fails (node loss).
  // Its OpenTelemetry span per request only when tracing is on: otherwise each request paid for a no-op span, its
  // attributes and an extra async frame for nothing.
  return new Client({
    nodes: [...config.esNodes],
    requestTimeout: 30_000,
    maxRetries: 3,
    name: 'gyroscops',
    // Writes wait out a backup's write pause (and the client's span is left out when tracing is off: the client has
    // no option for it).
    Transport: writeBlockAwareTransport(config.tracing.enabled),
  });
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
