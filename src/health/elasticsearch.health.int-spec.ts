import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createApp } from '../app.factory';
import { deleteIndicesWithPrefix, esNode, testIndexPrefix } from '../../test/support/elasticsearch';
import { readinessBecomes } from '../../test/support/readiness';

// Readiness judges the store's own indices, not the whole cluster: an unrelated red index (a backup check's scratch
// restore whose shard cannot be allocated, another team's index) must not turn every instance to 503.

/** An index whose only primary can never be allocated: red from its creation on. */
async function createRedIndex(client: Client, index: string): Promise<void> {
  await client.indices.create({
    index,
    settings: { 'index.routing.allocation.require._name': 'no-such-node', number_of_replicas: 0, number_of_shards: 1 },
    wait_for_active_shards: 0,
  });
  const health = await client.cluster.health({ index, timeout: '1s' });
  expect(health.status).toBe('red');
}

describe('Readiness and red indices (int, real Elasticsearch)', () => {
  const prefix = testIndexPrefix('health-red');
  const unrelated = `backup-check-${randomBytes(4).toString('hex')}`;
  let app: NestFastifyApplication;
  let server: string;
  let client: Client;

  beforeAll(async () => {
    client = new Client({ node: esNode() });
    app = await createApp({ ES_NODE: esNode(), ES_INDEX_PREFIX: prefix, NODE_ENV: 'test', LOG_LEVEL: 'silent', THROTTLE_LIMIT: '0' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    server = await app.getUrl();
    // The event store sets its indices up in the background after start-up.
    await readinessBecomes(server, 200);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await deleteIndicesWithPrefix(esNode(), unrelated);
    await deleteIndicesWithPrefix(esNode(), prefix);
    await client?.close();
  });

  it('stays ready while an index outside the store is red', async () => {
    await createRedIndex(client, `${unrelated}-log`);
    try {
      const res = await request(server).get('/health/ready');
      expect({ status: res.status, body: res.body }).toMatchObject({
        status: 200,
        body: { status: 'ok', info: { elasticsearch: { status: 'up' } } },
      });
      expect(['green', 'yellow']).toContain(res.body.info.elasticsearch.storeStatus);
      // The cluster's own status is still shown, for the operator.
      expect(res.body.info.elasticsearch.clusterStatus).toBe('red');
    } finally {
      await client.indices.delete({ index: `${unrelated}-log` }, { ignore: [404] });
    }
  });

  it('turns 503 while one of the store indices is red, naming it, and ready again once it is gone', async () => {
    const own = `${prefix}-rm-red-check`;
    await createRedIndex(client, own);
    try {
      const res = await request(server).get('/health/ready').expect(503);
      expect(res.body).toMatchObject({ status: 'error', error: { elasticsearch: { status: 'down', storeStatus: 'red' } } });
      expect(res.body.error.elasticsearch.message).toContain(own);
    } finally {
      await client.indices.delete({ index: own }, { ignore: [404] });
    }
    await readinessBecomes(server, 200);
  });

  it('ignores a red index of another store whose prefix extends this one', async () => {
    const nested = `${prefix}-staging`;
    await client.indices.create({ index: `${nested}-meta` });
    await createRedIndex(client, `${nested}-log`);
    try {
      await request(server).get('/health/ready').expect(200);
    } finally {
      await client.indices.delete({ index: [`${nested}-log`, `${nested}-meta`] }, { ignore: [404] });
    }
  });
});
