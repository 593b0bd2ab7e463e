import { errors } from '@elastic/elasticsearch';
import { ElasticsearchModel } from './elasticsearch-model';
import { FaultyClient } from './faulty-client';
import { ListedFaults, type Fault } from './faults';
import type { Interleaver } from './interleaver';

const passThrough: Interleaver = { gate: () => Promise.resolve() };
const doc = (id: string) => ({ index: 'ix', id, document: { n: id } });

function faulty(...faults: Fault[]): { model: ElasticsearchModel; client: FaultyClient } {
  const model = new ElasticsearchModel();
  const client = new FaultyClient(model, new ListedFaults(faults), passThrough, 'test');
  client.arm();
  return { model, client };
}

const settledWithin = async (p: Promise<unknown>) => {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  return settled;
};

describe('the fault-injecting client', () => {
  describe('without a fault', () => {
    it('answers exactly what the backend answers', async () => {
      const { client } = faulty();
      const direct = new ElasticsearchModel();
      expect(await client.index(doc('a'))).toEqual(await direct.index(doc('a')));
      expect(await client.get({ index: 'ix', id: 'a' })).toEqual(await direct.get({ index: 'ix', id: 'a' }));
      await expect(client.index({ ...doc('a'), op_type: 'create' })).rejects.toMatchObject({ statusCode: 409 });
    });
  });

  describe('when a response is lost after the request applied', () => {
    it('throws the client TimeoutError while the document is stored', async () => {
      const { model, client } = faulty({ kind: 'lose-response', as: 'timeout' });
      await expect(client.index(doc('a'))).rejects.toBeInstanceOf(errors.TimeoutError);
      await expect(model.get({ index: 'ix', id: 'a' })).resolves.toMatchObject({ found: true });
    });
  });

  describe('when a request is refused before applying', () => {
    it('throws a ResponseError with the status and stores nothing', async () => {
      const { model, client } = faulty({ kind: 'reject-before', status: 429 });
      await expect(client.index(doc('a'))).rejects.toMatchObject({ statusCode: 429 });
      await expect(model.get({ index: 'ix', id: 'a' })).rejects.toMatchObject({ statusCode: 404 });
    });
  });

  describe('when a create is re-sent after it applied', () => {
    it('answers 409 to a request that won, as a transport retry would', async () => {
      const { model, client } = faulty({ kind: 'resend' });
      await expect(client.index({ ...doc('a'), op_type: 'create' })).rejects.toMatchObject({ statusCode: 409 });
      await expect(model.get({ index: 'ix', id: 'a' })).resolves.toMatchObject({ _version: 1 });
    });
  });

  describe('when bulk items are refused with 429', () => {
    it('applies the others and reports each item on its own', async () => {
      const { model, client } = faulty({ kind: 'bulk-item-429', everyNth: 2 });
      const operations = ['a', 'b', 'c'].flatMap((id) => [{ create: { _index: 'ix', _id: id } }, { id }]);
      const r = (await client.bulk({ operations })) as { errors: boolean; items: Record<string, { status: number }>[] };
      expect(r.errors).toBe(true);
      expect(r.items.map((it) => Object.values(it)[0].status)).toEqual([429, 201, 429]);
      expect(model.dump('ix').size).toBe(1);
    });
  });

  describe('when the instance dies after a request applied', () => {
    it('never answers that request nor any later one', async () => {
      const { model, client } = faulty({ kind: 'kill', phase: 'after' });
      expect(await settledWithin(client.index(doc('a')))).toBe(false);
      expect(await settledWithin(client.get({ index: 'ix', id: 'a' }))).toBe(false);
      expect(model.dump('ix').has('a')).toBe(true);
    });
  });
});
