import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Client } from '@elastic/elasticsearch';
import { EventStoreUnavailableError } from '@gyroscops/event-store';
import { statusOf } from '@gyroscops/event-store/elasticsearch';
import { AppConfig } from '../../config/app-config';
import { ES_CLIENT } from '../../infrastructure/elasticsearch/elasticsearch.tokens';
import { SEARCH_FIELDS } from '../../search-fields';
import {
  BackupInProgressError,
  BackupJobNotFoundError,
  BackupJobRunningError,
  BackupNotFoundError,
  BackupNotUsableError,
  SnapshotExistsError,
} from './backup.errors';
import {
  BACKUP_LOCATION,
  BACKUP_REPOSITORY,
  backupStore,
  backupsInProgress,
  listSnapshots,
  restoreStore,
  type BackupResult,
  type SnapshotSummary,
} from './infrastructure/store-backup';
import { checkStore, type CheckResult } from './infrastructure/store-check';

export type BackupJobKind = 'backup' | 'check';
export type BackupJobState = 'running' | 'succeeded' | 'failed';

/** A backup, or a check of one, run in the background by this instance; its progress is what the CLI prints. */
export interface BackupJob {
  id: string;
  kind: BackupJobKind;
  snapshot: string;
  state: BackupJobState;
  startedAt: string;
  finishedAt?: string;
  /** The job's progress lines, oldest first (the last MAX_LINES). */
  progress: string[];
  error?: string;
  backup?: BackupResult;
  check?: CheckResult;
}

const MAX_LINES = 200;

/** What Elasticsearch answered instead of a snapshot listing: the repository is unusable for now (503, retry later). */
function unavailable(e: unknown, what: string): Error {
  return new EventStoreUnavailableError(`Elasticsearch failed while ${what}: ${(e as Error).message?.slice(0, 300)}`, e);
}
const MAX_JOBS = 50;

/**
 * Backups of the service's own store over HTTP (admin): the code of `npm run store:backup` and `store:check`, run as
 * jobs. One job at a time per instance: a backup pauses the store's writes while its consistent snapshot is taken,
 * and a check restores a copy of the backup under a scratch prefix of its own, checks it and deletes it. Restoring
 * over the running service is not offered: it would replace the indices under it (`npm run store:restore`, service
 * stopped).
 */
@Injectable()
export class BackupJobs implements OnApplicationShutdown {
  private readonly logger = new Logger('BackupJobs');
  private readonly jobs = new Map<string, BackupJob>();
  private running: { job: BackupJob; done: Promise<void> } | null = null;
  /**
   * The id of a job being started: claimed synchronously, before the first await of `startBackup` / `startCheck`, so
   * two requests at once cannot both pass the idle check (released if the start is refused).
   */
  private claimed: string | null = null;
  private stopping = false;

  constructor(
    @Inject(ES_CLIENT) private readonly client: Client,
    private readonly config: AppConfig,
  ) {}

  get repository(): string {
    return BACKUP_REPOSITORY;
  }

  /** This store's backups in the repository, oldest first (none when the repository is not registered yet). */
  async list(): Promise<SnapshotSummary[]> {
    try {
      const all = await listSnapshots(this.client, BACKUP_REPOSITORY);
      return all.filter((s) => s.prefix === this.config.esIndexPrefix);
    } catch (e) {
      if (statusOf(e) === 404) return [];
      throw unavailable(e, 'listing backups');
    }
  }

  async get(snapshot: string): Promise<SnapshotSummary> {
    const found = (await this.list()).find((s) => s.snapshot === snapshot);
    if (!found) throw new BackupNotFoundError(snapshot);
    return found;
  }

  job(id: string): BackupJob {
    const job = this.jobs.get(id);
    if (!job) throw new BackupJobNotFoundError(id);
    return job;
  }

  /** Starts a backup of the store; answers at once with the job (its progress: `job(id)`). */
  async startBackup(snapshot?: string): Promise<BackupJob> {
    const id = this.claim();
    const prefix = this.config.esIndexPrefix;
    const name = snapshot ?? `${prefix}-${new Date().toISOString().replace(/[:.]/g, '-').toLowerCase()}`;
    try {
      if (await this.snapshotExists(name)) throw new SnapshotExistsError(name);
      // Another instance backing this store up: two backups would lift each other's write pause.
      const elsewhere = await backupsInProgress(this.client, BACKUP_REPOSITORY, prefix).catch((e: unknown) => {
        if (statusOf(e) === 404) return [];
        throw unavailable(e, 'looking for backups in progress');
      });
      if (elsewhere.length > 0) throw new BackupInProgressError(elsewhere[0]);
    } catch (e) {
      this.release(id);
      throw e;
    }
    return this.run(id, 'backup', name, async (job, progress) => {
      job.backup = await backupStore(this.client, {
        repository: BACKUP_REPOSITORY,
        location: BACKUP_LOCATION,
        prefix,
        snapshot: name,
        progress,
        aborted: () => this.stopping,
      });
    });
  }

  /**
   * Starts a check of a backup: restores it under a scratch prefix (never the store's own), checks the copy as
   * `npm run store:check` does (counter, log replay, heads), then deletes the copy.
   */
  async startCheck(snapshot: string): Promise<BackupJob> {
    const id = this.claim();
    try {
      const summary = await this.get(snapshot);
      if (summary.state !== 'SUCCESS') throw new BackupNotUsableError(snapshot, summary.state);
    } catch (e) {
      this.release(id);
      throw e;
    }
    const scratch = `backup-check-${randomBytes(4).toString('hex')}`;
    return this.run(id, 'check', snapshot, async (job, progress) => {
      try {
        await restoreStore(this.client, { repository: BACKUP_REPOSITORY, snapshot, toPrefix: scratch, replicas: 0, progress });
        job.check = await checkStore(this.client, {
          prefix: scratch,
          searchFields: SEARCH_FIELDS,
          progress,
          telemetryGaps: Object.keys(this.config.telemetryRetention).length > 0,
        });
        if (!job.check.ok)
          throw new Error(
            `the backup is not sound: ${job.check.items
              .filter((i) => !i.ok)
              .map((i) => `${i.name}: ${i.detail}`)
              .join('; ')}`,
          );
      } finally {
        await this.dropScratch(scratch).catch((e: unknown) =>
          progress(`could not delete the scratch copy ${scratch}-*: ${(e as Error).message} (delete those indices by hand)`),
        );
      }
    });
  }

  async onApplicationShutdown(): Promise<void> {
    // A backup in progress stops (its write pause ends) rather than holding the shutdown.
    this.stopping = true;
    if (this.running) await Promise.race([this.running.done, new Promise((r) => setTimeout(r, 10_000).unref())]);
  }

  /** Claims this instance's one job slot at once (no await before it): throws 409 JOB_RUNNING when it is taken. */
  private claim(): string {
    if (this.running) throw new BackupJobRunningError(this.running.job.id);
    if (this.claimed) throw new BackupJobRunningError(this.claimed);
    this.claimed = randomUUID();
    return this.claimed;
  }

  private release(id: string): void {
    if (this.claimed === id) this.claimed = null;
  }

  private async snapshotExists(snapshot: string): Promise<boolean> {
    try {
      const r = await this.client.snapshot.get({ repository: BACKUP_REPOSITORY, snapshot });
      return (r.snapshots?.length ?? 0) > 0;
    } catch (e) {
      // No such snapshot, or no repository yet.
      if (statusOf(e) === 404) return false;
      throw unavailable(e, 'looking for a backup');
    }
  }

  private run(
    id: string,
    kind: BackupJobKind,
    snapshot: string,
    work: (job: BackupJob, progress: (line: string) => void) => Promise<void>,
  ): BackupJob {
    const job: BackupJob = { id, kind, snapshot, state: 'running', startedAt: new Date().toISOString(), progress: [] };
    const progress = (line: string) => {
      job.progress.push(line);
      if (job.progress.length > MAX_LINES) job.progress.splice(0, job.progress.length - MAX_LINES);
    };
    this.jobs.set(job.id, job);
    for (const old of this.jobs.keys()) {
      if (this.jobs.size <= MAX_JOBS) break;
      if (this.jobs.get(old)?.state !== 'running') this.jobs.delete(old);
    }
    // The work starts once the job is `running`; from the claim to here nothing awaits, so no start slips in between.
    const done = Promise.resolve()
      .then(() => work(job, progress))
      .then(
        () => {
          job.state = 'succeeded';
        },
        (e: unknown) => {
          job.state = 'failed';
          job.error = (e as Error).message?.slice(0, 2000) ?? String(e);
          this.logger.warn(`${kind} of ${snapshot} failed: ${job.error}`);
        },
      );
    this.running = {
      job,
      done: done.finally(() => {
        job.finishedAt = new Date().toISOString();
        this.running = null;
      }),
    };
    this.release(id);
    return job;
  }

  private async dropScratch(prefix: string): Promise<void> {
    // By name: wildcard deletes are refused by default (action.destructive_requires_name).
    const names = Object.keys(await this.client.indices.get({ index: `${prefix}-*`, expand_wildcards: 'all', allow_no_indices: true }));
    if (names.length > 0) await this.client.indices.delete({ index: names });
    // The check opened a store on the copy, which put its index templates: they go too, or every check leaves six.
    const templates = await this.client.indices.getIndexTemplate({ name: `${prefix}-*` }).catch((e: unknown) => {
      if (statusOf(e) === 404) return { index_templates: [] }; // none matches
      throw e;
    });
    for (const { name } of templates.index_templates) await this.client.indices.deleteIndexTemplate({ name });
  }
}
