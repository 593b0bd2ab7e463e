import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../auth/access.decorators';
import { ApiErrors } from '../../common/openapi/api-errors.decorator';
import { BackupJobs } from './backup-jobs.service';
import { BackupJobDto, BackupJobIdParam, BackupListDto, BackupSummaryDto, SnapshotParam, StartBackupDto } from './backup.dto';

const RESTORE_NOTE =
  'Restoring is not offered over HTTP: it replaces the indices a running service reads and writes. Restore with the ' +
  'service stopped: `npm run store:restore -- --snapshot NAME` (README "Backup and restore").';

/**
 * Backups of the store (admin): Elasticsearch snapshots of the store's indices in a filesystem repository, taken as
 * `npm run store:backup` takes them (writes pause for the consistent snapshot), and checked by restoring a scratch copy.
 */
@ApiTags('backup')
@Controller('v1/admin')
export class BackupController {
  constructor(private readonly jobs: BackupJobs) {}

  @Post('backups')
  @HttpCode(202)
  @Roles('admin')
  @ApiOperation({
    summary: 'Start a backup of the store (a consistent Elasticsearch snapshot of its indices)',
    description:
      'Answers at once with the job; follow its progress with GET /v1/admin/backup-jobs/{jobId}. A warm-up snapshot ' +
      'copies the bulk while writes go on, then appends wait (and retry) while the consistent snapshot is taken. One ' +
      'backup or check at a time per instance. ' +
      RESTORE_NOTE,
  })
  @ApiAcceptedResponse({ type: BackupJobDto, description: 'The backup job, running' })
  @ApiErrors({
    409:
      'BACKUP.JOB_RUNNING (a backup or check is running on this instance), BACKUP.IN_PROGRESS (a backup of this store ' +
      'by another instance or the CLI), or BACKUP.SNAPSHOT_EXISTS',
  })
  start(@Body() body: StartBackupDto): Promise<BackupJobDto> {
    return this.jobs.startBackup(body.snapshot);
  }

  @Get('backups')
  @Roles('admin')
  @ApiOperation({ summary: "The store's backups in the repository, oldest first", description: RESTORE_NOTE })
  @ApiOkResponse({ type: BackupListDto })
  async list(): Promise<BackupListDto> {
    return { repository: this.jobs.repository, backups: await this.jobs.list() };
  }

  @Get('backups/:snapshot')
  @Roles('admin')
  @ApiOperation({ summary: 'One backup of the store: its state, indices and position counter' })
  @ApiOkResponse({ type: BackupSummaryDto })
  @ApiErrors({ 404: 'BACKUP.NOT_FOUND' })
  get(@Param() { snapshot }: SnapshotParam): Promise<BackupSummaryDto> {
    return this.jobs.get(snapshot);
  }

  @Post('backups/:snapshot/check')
  @HttpCode(202)
  @Roles('admin')
  @ApiOperation({
    summary: 'Check a backup: restore a scratch copy, check it is sound, delete the copy',
    description:
      'The copy is restored under a prefix of its own (never over the store), then checked as `npm run store:check` ' +
      'does: the position counter at or past the log, the whole log replayed in order, every stream head matching its ' +
      'stream. Answers at once with the job; follow it with GET /v1/admin/backup-jobs/{jobId}.',
  })
  @ApiAcceptedResponse({ type: BackupJobDto, description: 'The check job, running' })
  @ApiErrors({
    404: 'BACKUP.NOT_FOUND',
    409: 'BACKUP.JOB_RUNNING (a backup or check is running on this instance), or BACKUP.NOT_USABLE (the snapshot did not succeed)',
  })
  check(@Param() { snapshot }: SnapshotParam): Promise<BackupJobDto> {
    return this.jobs.startCheck(snapshot);
  }

  @Get('backup-jobs/:jobId')
  @Roles('admin')
  @ApiOperation({
    summary: 'A backup or check job: state, progress lines and result',
    description: 'Jobs are kept in the memory of the instance that runs them (the last 50).',
  })
  @ApiOkResponse({ type: BackupJobDto })
  @ApiErrors({ 404: 'BACKUP.JOB_NOT_FOUND' })
  job(@Param() { jobId }: BackupJobIdParam): BackupJobDto {
    return this.jobs.job(jobId);
  }
}
