import type { Client } from '@elastic/elasticsearch';
import { restoreStore, SNAPSHOT_TOOL, type BackupMetadata } from './store-backup';

// The restore's wait for its shards, against a stubbed client: a shard that will never be allocated, and a restore
// that never finishes, must end the restore with a clear error (and drop what it restored), not wait forever.

const metadata: BackupMetadata = {
  tool: SNAPSHOT_TOOL,
  formatVersion: 1,
  prefix: 'src',
  indices: ['src-log', 'src-meta'],
  aliases: {},
  counter: 5,
  logHead: 5,
  takenAt: '2026-01-01T00:00:00.000Z',
};

interface Stub {
  client: Client;
  deleted: string[][];
}

/** `dst-log` restores at once; `dst-meta` as the scenario says. */
function stubClient(scenario: 'unallocatable' | 'stuck'): Stub {
  const deleted: string[][] = [];
  const shard = (stage: string) => ({ stage, index: { size: { recovered_in_bytes: 10, total_in_bytes: 20 } } });
  const client = {
    snapshot: {
      get: async () => ({ snapshots: [{ snapshot: 'snap', state: 'SUCCESS', metadata }] }),
      restore: async () => ({ accepted: true }),
    },
    indices: {
      get: async () => ({}),
      recovery: async () => ({
        'dst-log': { shards: [shard('DONE')] },
        // Unallocatable: no recovery at all for its shard. Stuck: a recovery that never ends.
        ...(scenario === 'stuck' ? { 'dst-meta': { shards: [shard('INDEX')] } } : {}),
      }),
      delete: async ({ index }: { index: string[] }) => {
        deleted.push([...index].sort());
        return { acknowledged: true };
      },
      updateAliases: async () => ({ acknowledged: true }),
    },
    cluster: {
      health: async () =>
        scenario === 'unallocatable'
          ? {
              status: 'red',
              unassigned_primary_shards: 1,
              indices: {
                'dst-log': { status: 'green', shards: { 0: { status: 'green', primary_active: true, unassigned_shards: 0 } } },
                'dst-meta': {
                  status: 'red',
                  unassigned_primary_shards: 1,
                  shards: { 0: { status: 'red', primary_active: false, unassigned_shards: 1, initializing_shards: 0 } },
                },
              },
            }
          : {
              status: 'red',
              unassigned_primary_shards: 0,
              initializing_shards: 1,
              indices: {
                'dst-log': { status: 'green', shards: { 0: { status: 'green', primary_active: true, unassigned_shards: 0 } } },
                'dst-meta': { status: 'red', shards: { 0: { status: 'red', primary_active: false, initializing_shards: 1 } } },
              },
            },
      allocationExplain: async () => ({
        index: 'dst-meta',
        shard: 0,
        primary: true,
        current_state: 'unassigned',
        can_allocate: 'no',
        allocate_explanation: "Elasticsearch isn't allowed to allocate this shard to any of the nodes in the cluster.",
      }),
    },
  } as unknown as Client;
  return { client, deleted };
}

/** The restore's outcome, or "still waiting" when it has not ended within `ms`. */
async function outcome(p: Promise<unknown>, ms: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const waiting = new Promise<string>((r) => (timer = setTimeout(() => r(`still waiting after ${ms} ms`), ms)));
  try {
    return await Promise.race([
      p.then(
        () => 'restored',
        (e: unknown) => `failed: ${(e as Error).message}`,
      ),
      waiting,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('restoreStore waiting for its shards', () => {
  it('fails at once, naming the shard and why, when a restored primary cannot be allocated, and drops the copy', async () => {
    const { client, deleted } = stubClient('unallocatable');
    const result = await outcome(restoreStore(client, { repository: 'repo', snapshot: 'snap', toPrefix: 'dst' }), 8000);
    expect(result).toMatch(/^failed: .*cannot be allocated.*dst-meta\/0: .*allowed to allocate/);
    expect(result).toMatch(/deleted the restored indices/);
    expect(deleted).toEqual([['dst-log', 'dst-meta']]);
  }, 15_000);

  it('fails after its deadline when the restore never finishes, and drops the copy', async () => {
    const { client, deleted } = stubClient('stuck');
    // Built apart, so that the test compiles on code without the option (and shows the restore waiting forever).
    const options = { repository: 'repo', snapshot: 'snap', toPrefix: 'dst', timeoutMs: 1500 };
    const result = await outcome(restoreStore(client, options), 8000);
    expect(result).toMatch(/^failed: .*did not finish within 1\.5 s.*1\/2 shards restored/);
    expect(deleted).toEqual([['dst-log', 'dst-meta']]);
  }, 15_000);
});
