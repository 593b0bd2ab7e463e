import type { Client } from '@elastic/elasticsearch';
import { normalizeState, type ConsumerStateDoc } from './consumer-state';
import { errorTypeOf, failOnItemErrors, statusOf } from '@gyroscops/event-store/elasticsearch';

export interface VersionedState {
  doc: ConsumerStateDoc;
  seqNo: number;
  primaryTerm: number;
}

/** The state documents of projections and sagas, written only by compare-and-set on seq_no / primary_term. */
export class StateStore {
  readonly index: string;
  private ensured: Promise<void> | null = null;

  constructor(
    private readonly client: Client,
    prefix: string,
    private readonly numberOfReplicas = 0,
  ) {
    this.index = `${prefix}-projection-state`;
  }

  /** Creates the index once per process; concurrent callers share the attempt, a failure is retried by the next call. */
  ensureIndex(): Promise<void> {
    this.ensured ??= this.createIndex().catch((e: unknown) => {
      this.ensured = null;
      throw e;
    });
    return this.ensured;
  }

  private async createIndex(): Promise<void> {
    try {
      await this.client.indices.create({
        index: this.index,
        settings: { number_of_shards: 1, number_of_replicas: this.numberOfReplicas },
        // Only read by id: nothing needs indexing, and no field can ever conflict.
        mappings: { dynamic: false, properties: { kind: { type: 'keyword' }, name: { type: 'keyword' } } },
      });
    } catch (e) {
      if (errorTypeOf(e) !== 'resource_already_exists_exception') throw e;
    }
    await this.client.cluster.health({ index: this.index, wait_for_status: 'yellow', timeout: '30s' });
  }

  async get(id: string): Promise<VersionedState | null> {
    try {
      const r = await this.client.get<ConsumerStateDoc>({ index: this.index, id });
      if (!r.found || !r._source) return null;
      return { doc: normalizeState(r._source), seqNo: r._seq_no as number, primaryTerm: r._primary_term as number };
    } catch (e) {
      if (statusOf(e) === 404) return null;
      throw e;
    }
  }

  /**
   * The states there are of `ids`; none when the index does not exist yet. Any other item that could not be read (a
   * closed index, a shard not available) fails the read: it is not a consumer without a state.
   */
  async mget(ids: string[]): Promise<Map<string, ConsumerStateDoc>> {
    const out = new Map<string, ConsumerStateDoc>();
    if (ids.length === 0) return out;
    try {
      const r = await this.client.mget<ConsumerStateDoc>({ index: this.index, ids });
      failOnItemErrors(r.docs);
      for (const d of r.docs) if ('found' in d && d.found && d._source) out.set(d._id, normalizeState(d._source));
    } catch (e) {
      if (errorTypeOf(e) !== 'index_not_found_exception') throw e;
    }
    return out;
  }

  /** Creates the document; null when it already exists. */
  async create(id: string, doc: ConsumerStateDoc): Promise<VersionedState | null> {
    try {
      const r = await this.client.index({ index: this.index, id, op_type: 'create', document: doc });
      return { doc, seqNo: r._seq_no as number, primaryTerm: r._primary_term as number };
    } catch (e) {
      if (statusOf(e) === 409) return null;
      throw e;
    }
  }

  /** Replaces the document if nobody changed it since `seqNo`; null when someone did. */
  async replace(id: string, doc: ConsumerStateDoc, seqNo: number, primaryTerm: number): Promise<VersionedState | null> {
    try {
      const r = await this.client.index({ index: this.index, id, if_seq_no: seqNo, if_primary_term: primaryTerm, document: doc });
      return { doc, seqNo: r._seq_no as number, primaryTerm: r._primary_term as number };
    } catch (e) {
      if (statusOf(e) === 409) return null;
      throw e;
    }
  }

  /**
   * Read-modify-write of an existing document by someone who does not hold the lease (an operator's request, a
   * consumer group's fetch or acknowledgement), retried on conflicts; never creates it. `change` runs on every
   * attempt and returns the new document (null: leave it) and a result, so results always describe what was written.
   * Resolves to null when the document does not exist.
   */
  async change<R>(
    id: string,
    change: (doc: ConsumerStateDoc) => { doc: ConsumerStateDoc | null; result: R },
  ): Promise<{ doc: ConsumerStateDoc; result: R } | null> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const current = await this.get(id);
      if (!current) return null;
      const { doc, result } = change(current.doc);
      if (!doc) return { doc: current.doc, result };
      if (await this.replace(id, doc, current.seqNo, current.primaryTerm)) return { doc, result };
      await new Promise((r) => setTimeout(r, Math.random() * 20 * Math.min(attempt + 1, 5)));
    }
    throw new Error(`could not update ${id}: too much contention`);
  }

  /**
   * Read-modify-write by someone who does not hold the lease (a rebuild request): retried on conflicts.
   * `change` returns null to leave the document as it is.
   */
  async modify(
    id: string,
    create: () => ConsumerStateDoc,
    change: (doc: ConsumerStateDoc) => ConsumerStateDoc | null,
  ): Promise<ConsumerStateDoc> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const current = await this.get(id);
      if (!current) {
        const fresh = change(create()) ?? create();
        if (await this.create(id, fresh)) return fresh;
        continue;
      }
      const next = change(current.doc);
      if (!next) return current.doc;
      if (await this.replace(id, next, current.seqNo, current.primaryTerm)) return next;
      await new Promise((r) => setTimeout(r, Math.random() * 20 * Math.min(attempt + 1, 5)));
    }
    throw new Error(`could not update ${id}: too much contention`);
  }
}
