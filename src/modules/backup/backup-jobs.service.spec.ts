import type { Client } from '@elastic/elasticsearch';
import type { AppConfig } from '../../config/app-config';
import { BackupJobs } from './backup-jobs.service';
import { BackupError } from './backup.errors';

const notFound = () => Object.assign(new Error('snapshot_missing_exception'), { meta: { statusCode: 404 } });
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

/**
 * A client whose snapshot look-ups take a moment (as over the network) and find nothing, and whose store is absent:
 * a started backup fails at once in the background, which is all these tests need.
 */
function fakeClient(): { client: Client; calls: string[] } {
  const calls: string[] = [];
  const client = {
    snapshot: {
      get: async ({ snapshot }: { snapshot: string }) => {
        calls.push(`snapshot.get ${snapshot}`);
        await tick();
        throw notFound();
      },
    },
    cat: { indices: async () => [] },
    indices: {
      get: async () => {
        calls.push('indices.get');
        await tick();
        throw notFound();
      },
    },
  } as unknown as Client;
  return { client, calls };
}

const config = { esIndexPrefix: 'unit-backup', telemetryRetention: {} } as unknown as AppConfig;

async function settled(jobs: BackupJobs, id: string): Promise<void> {
  for (let i = 0; i < 200 && jobs.job(id).state === 'running'; i++) await tick();
}

describe('BackupJobs', () => {
  it('runs one of two backups started at once and answers 409 JOB_RUNNING to the other', async () => {
    const { client, calls } = fakeClient();
    const jobs = new BackupJobs(client, config);
    const results = await Promise.allSettled([jobs.startBackup('snap-a'), jobs.startBackup('snap-b')]);

    const started = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect({ started: started.length, refused: refused.map((r) => (r.reason as BackupError).code) }).toEqual({
      started: 1,
      refused: ['BACKUP.JOB_RUNNING'],
    });
    expect((refused[0].reason as BackupError).httpStatus).toBe(409);
    // The refused one touched nothing: only one backup looked for its snapshot.
    expect(calls.filter((c) => c.startsWith('snapshot.get snap-')).length).toBe(1);
    await settled(jobs, (started[0] as PromiseFulfilledResult<{ id: string }>).value.id);
  });

  it('releases the claim when a backup is refused before it starts, so the next one runs', async () => {
    const { client } = fakeClient();
    const jobs = new BackupJobs(client, config);
    // The first finds its snapshot name taken.
    (client.snapshot as unknown as { get: unknown }).get = async () => {
      await tick();
      return { snapshots: [{ snapshot: 'taken' }] };
    };
    await expect(jobs.startBackup('taken')).rejects.toMatchObject({ code: 'BACKUP.SNAPSHOT_EXISTS' });
    (client.snapshot as unknown as { get: unknown }).get = async () => {
      await tick();
      throw notFound();
    };
    const job = await jobs.startBackup('free');
    expect(job.state).toBe('running');
    await settled(jobs, job.id);
    // Once that job is over, the next may start.
    const next = await jobs.startBackup('free-2');
    await settled(jobs, next.id);
  });

  it('runs one of a backup and a check started at once', async () => {
    const { client } = fakeClient();
    const jobs = new BackupJobs(client, config);
    const results = await Promise.allSettled([jobs.startBackup('snap-a'), jobs.startCheck('snap-b')]);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as BackupError).code);
    expect(refused).toEqual(['BACKUP.JOB_RUNNING']);
    const started = results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ id: string }>;
    await settled(jobs, started.value.id);
  });
});
