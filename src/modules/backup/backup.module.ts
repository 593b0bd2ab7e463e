import { Module } from '@nestjs/common';
import { BackupJobs } from './backup-jobs.service';
import { BackupController } from './backup.controller';

/** Backups of the store over HTTP for operators (admin): start, follow, list, check. Restore stays a CLI step. */
@Module({
  controllers: [BackupController],
  providers: [BackupJobs],
})
export class BackupModule {}
