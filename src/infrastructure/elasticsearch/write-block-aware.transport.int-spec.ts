import { randomBytes } from 'node:crypto';
import { Client, errors } from '@elastic/elasticsearch';
import { isWriteBlocked, writeBlockAwareTransport } from './write-block-aware.transport';

/** Writes against an index under a backup's write block wait for it to lift; other blocks still fail at once. */
describe('The Elasticsearch transport the service uses, when an index has a block', () => {
  const node = process.env.ES_NODE as string;
  const plain = new Client({ node });
  const client = new Client({ node, Transport: writeBlockAwareTransport(false) });
  const index = `test-write-block-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    await plain.indices.create({ index, settings: { number_of_replicas: 0 } });
  });
  afterAll(async () => {
    await plain.indices.delete({ index, ignore_unavailable: true });
    await client.close();
    await plain.close();
  });

  describe('when a backup has blocked writes (index.blocks.write)', () => {
    it('makes a write wait until the block lifts, then stores it, where the plain client is refused', async () => {
      await plain.indices.addBlock({ index, block: 'write' });
      const refused = await plain.index({ index, id: 'plain', document: { n: 0 } }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(errors.ResponseError);
      expect(isWriteBlocked(refused)).toBe(true);

      let lifted = false;
      const write = client.index({ index, id: 'waited', document: { n: 1 }, refresh: true }).then((r) => ({ r, lifted }));
      await new Promise((r) => setTimeout(r, 300));
      lifted = true;
      await plain.indices.putSettings({ index, settings: { 'index.blocks.write': false } });
      const { r, lifted: liftedBeforeAnswer } = await write;
      expect(r.result).toBe('created');
      // It answered only once the block was lifted: it waited, it did not slip through.
      expect(liftedBeforeAnswer).toBe(true);
      expect((await plain.get<{ n: number }>({ index, id: 'waited' }))._source).toEqual({ n: 1 });
    });
  });

  describe('when the index is read-only (an operator, or the disk flood stage)', () => {
    it('fails the write at once, as before', async () => {
      await plain.indices.putSettings({ index, settings: { 'index.blocks.read_only': true } });
      try {
        const refused = await client.index({ index, id: 'ro', document: { n: 2 } }).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(errors.ResponseError);
        expect((refused as errors.ResponseError).statusCode).toBe(403);
        expect(isWriteBlocked(refused)).toBe(false);
      } finally {
        await plain.indices.putSettings({ index, settings: { 'index.blocks.read_only': false } });
      }
    });
  });
});
