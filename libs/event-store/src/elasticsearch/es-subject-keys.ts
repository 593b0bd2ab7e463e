import type { Client } from '@elastic/elasticsearch';
import { newSubjectKey, type SubjectKeyStore } from '../personal-data';
import { failOnItemErrors, statusOf } from './es-errors';

interface KeyDoc {
  key: string;
  createdAt: string;
}

/**
 * Subjects' keys in their own index (`<prefix>-subject-keys/<subjectId>`), read in realtime. Created with
 * `op_type=create`, so two writers racing on a new subject agree on one key; erasure deletes the document.
 */
export class EsSubjectKeys implements SubjectKeyStore {
  constructor(
    private readonly client: Client,
    readonly index: string,
  ) {}

  async setup(replicas: number): Promise<void> {
    await this.client.indices
      .create({
        index: this.index,
        settings: { number_of_shards: 1, number_of_replicas: replicas },
        mappings: { dynamic: false, properties: { createdAt: { type: 'date' } } },
      })
      .catch((e: unknown) => {
        const type = (e as { meta?: { body?: { error?: { type?: string } } } })?.meta?.body?.error?.type;
        if (type !== 'resource_already_exists_exception') throw e;
      });
  }

  async keyFor(subjectId: string): Promise<Buffer> {
    const existing = (await this.keysOf([subjectId])).get(subjectId);
    if (existing) return existing;
    const key = newSubjectKey();
    try {
      const doc: KeyDoc = { key: key.toString('base64'), createdAt: new Date().toISOString() };
      await this.client.index({ index: this.index, id: subjectId, op_type: 'create', document: doc });
      return key;
    } catch (e) {
      if (statusOf(e) !== 409) throw e;
      const winner = (await this.keysOf([subjectId])).get(subjectId);
      if (!winner) throw new Error(`the key of a subject vanished while it was created (erased meanwhile): retry`);
      return winner;
    }
  }

  async keysOf(subjectIds: string[]): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    if (subjectIds.length === 0) return out;
    const r = await this.client.mget<KeyDoc>({ index: this.index, ids: subjectIds });
    failOnItemErrors(r.docs); // a key that could not be read is not an erased key
    for (const d of r.docs) if ('found' in d && d.found && d._source) out.set(d._id, Buffer.from(d._source.key, 'base64'));
    return out;
  }

  async erase(subjectId: string): Promise<boolean> {
    try {
      await this.client.delete({ index: this.index, id: subjectId });
      return true;
    } catch (e) {
      if (statusOf(e) === 404) return false;
      throw e;
    }
  }
}
