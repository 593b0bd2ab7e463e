import { randomBytes } from 'node:crypto';
import type { Client, estypes } from '@elastic/elasticsearch';
import { bulkItemTransient, errorTypeOf, failOnItemErrors, statusOf } from '@gyroscops/event-store/elasticsearch';
import { messageOf } from './es-support';
import type { DocWrite, StoredReadModel } from './fold';

export function readModelAlias(prefix: string, name: string): string {
  return `${prefix}-rm-${name}`;
}

/** `<prefix>-rm-<name>-v<version>-<suffix>`: a fresh index per build, so a rebuild never touches the one serving. */
export function newReadModelIndex(prefix: string, name: string, version: number): string {
  const suffix = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  return `${readModelAlias(prefix, name)}-v${version}-${suffix}`;
}

/** True for indices built for this projection (and not for another whose name starts the same). */
export function isReadModelIndexOf(prefix: string, name: string, index: string): boolean {
  const base = readModelAlias(prefix, name);
  return index.startsWith(`${base}-`) && /^v\d+-[a-z0-9]+$/.test(index.slice(base.length + 1));
}

export interface BulkFailure {
  id: string;
  status: number;
  reason: string;
  /** Overload, a 5xx or a write block (a backup pausing writes): retried, never counted against an event. */
  transient: boolean;
}

/** Sends the write requests of one batch; tests wrap it to die half-way. */
export type BulkSender = (client: Client, operations: estypes.BulkRequest['operations'], index: string) => Promise<estypes.BulkResponse>;

export const defaultBulkSender: BulkSender = (client, operations) => client.bulk({ operations });

const META_PROPERTIES: Record<string, estypes.MappingProperty> = {
  _position: { type: 'long' },
  _deleted: { type: 'boolean' },
  organizationId: { type: 'keyword' },
};

/** Elasticsearch side of read models: indices, the alias, realtime loads and versioned bulk writes. */
export class ReadModelIndices {
  constructor(
    private readonly client: Client,
    private readonly prefix: string,
    private readonly numberOfReplicas = 0,
    private readonly send: BulkSender = defaultBulkSender,
  ) {}

  alias(name: string): string {
    return readModelAlias(this.prefix, name);
  }

  newIndex(name: string, version: number): string {
    return newReadModelIndex(this.prefix, name, version);
  }

  async create(index: string, mappings: estypes.MappingTypeMapping | undefined): Promise<void> {
    try {
      await this.client.indices.create({
        index,
        settings: { number_of_shards: 1, number_of_replicas: this.numberOfReplicas },
        mappings: { ...mappings, properties: { ...(mappings?.properties ?? {}), ...META_PROPERTIES } },
      });
    } catch (e) {
      if (errorTypeOf(e) !== 'resource_already_exists_exception') throw e;
    }
    await this.client.cluster.health({ index, wait_for_status: 'yellow', timeout: '30s' });
  }

  async exists(index: string): Promise<boolean> {
    return this.client.indices.exists({ index });
  }

  async aliasTargets(name: string): Promise<string[]> {
    try {
      const r = await this.client.indices.getAlias({ name: this.alias(name) });
      return Object.keys(r);
    } catch (e) {
      if (statusOf(e) === 404) return [];
      throw e;
    }
  }

  /** Points the alias at `index` only, in one atomic change (blue/green swap). */
  async pointAlias(name: string, index: string): Promise<void> {
    const alias = this.alias(name);
    const current = await this.aliasTargets(name);
    const actions: estypes.IndicesUpdateAliasesAction[] = current.filter((i) => i !== index).map((i) => ({ remove: { index: i, alias } }));
    if (!current.includes(index)) actions.push({ add: { index, alias } });
    if (actions.length > 0) await this.client.indices.updateAliases({ actions });
  }

  /** Indices built for this projection, whatever their version. */
  async list(name: string): Promise<string[]> {
    const r = await this.client.indices.get({
      index: `${this.alias(name)}-v*`,
      allow_no_indices: true,
      ignore_unavailable: true,
      expand_wildcards: 'all',
    });
    return Object.keys(r).filter((i) => isReadModelIndexOf(this.prefix, name, i));
  }

  async delete(index: string): Promise<void> {
    await this.client.indices.delete({ index, ignore_unavailable: true });
  }

  /**
   * Realtime load: sees every acknowledged write, refreshed or not. A document that could not be read (its index
   * missing or closed, a shard not available) fails the load: folding it from nothing would overwrite it with the
   * batch's events alone.
   */
  async load(index: string, ids: string[]): Promise<Map<string, StoredReadModel>> {
    const out = new Map<string, StoredReadModel>();
    for (let i = 0; i < ids.length; i += 1000) {
      const r = await this.client.mget<StoredReadModel>({ index, ids: ids.slice(i, i + 1000), realtime: true });
      failOnItemErrors(r.docs);
      for (const d of r.docs) if ('found' in d && d.found && d._source) out.set(d._id, d._source);
    }
    return out;
  }

  /**
   * Writes each document with `version = position of its last event` (external versioning): Elasticsearch
   * refuses a write that is not newer than what it holds, so a redelivered batch or a stale runner changes
   * nothing. Those refusals (409) are successes here; any other item failure is returned.
   */
  async write(index: string, writes: readonly DocWrite[]): Promise<BulkFailure[]> {
    if (writes.length === 0) return [];
    const operations: estypes.BulkRequest['operations'] = [];
    for (const w of writes) {
      operations.push({ index: { _index: index, _id: w.id, version: w.position, version_type: 'external' } }, w.body);
    }
    const r = await this.send(this.client, operations, index);
    if (!r.errors) return [];
    const failures: BulkFailure[] = [];
    r.items.forEach((item, i) => {
      const result = Object.values(item)[0] as estypes.BulkResponseItem | undefined;
      const status = result?.status ?? 0;
      if (status >= 200 && status < 300) return;
      if (status === 409) return;
      failures.push({
        id: writes[i].id,
        status,
        reason: result?.error ? `${result.error.type}: ${result.error.reason ?? ''}` : messageOf(result),
        transient: bulkItemTransient(result),
      });
    });
    return failures;
  }
}
