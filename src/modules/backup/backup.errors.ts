/** Errors of the backup module: `BACKUP.REASON` codes, mapped to HTTP by the shared exception filter. */
export class BackupError extends Error {
  constructor(
    readonly code: `BACKUP.${string}`,
    message: string,
    readonly httpStatus: number,
  ) {
    super(message);
    this.name = 'BackupError';
  }
}

export class BackupJobRunningError extends BackupError {
  constructor(jobId: string) {
    super('BACKUP.JOB_RUNNING', `backup job ${jobId} is still running on this instance: one backup or check at a time`, 409);
  }
}

export class SnapshotExistsError extends BackupError {
  constructor(snapshot: string) {
    super('BACKUP.SNAPSHOT_EXISTS', `a backup named ${snapshot} already exists`, 409);
  }
}

export class BackupNotFoundError extends BackupError {
  constructor(snapshot: string) {
    super('BACKUP.NOT_FOUND', `no backup of this store named ${snapshot}`, 404);
  }
}

export class BackupNotUsableError extends BackupError {
  constructor(snapshot: string, state: string) {
    super('BACKUP.NOT_USABLE', `backup ${snapshot} is ${state}, not SUCCESS: it cannot be checked`, 409);
  }
}

export class BackupJobNotFoundError extends BackupError {
  constructor(jobId: string) {
    super(
      'BACKUP.JOB_NOT_FOUND',
      `no backup job ${jobId} on this instance (jobs are kept in the memory of the instance that ran them)`,
      404,
    );
  }
}

export class BackupInProgressError extends BackupError {
  constructor(snapshot: string) {
    super(
      'BACKUP.IN_PROGRESS',
      `a backup of this store is in progress (snapshot ${snapshot}), started by another instance or the CLI`,
      409,
    );
  }
}
