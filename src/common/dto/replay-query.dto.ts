import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, Min } from 'class-validator';

/** `?version=` or `?at=`: an aggregate's state rebuilt as of a version or a moment (the replay endpoints). */
export class ReplayQueryDto {
  @ApiPropertyOptional({ minimum: 1, description: 'State after this version' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  version?: number;

  @ApiPropertyOptional({ format: 'date-time', description: 'State as of this moment' })
  @IsOptional()
  @IsISO8601({ strict: true })
  at?: string;
}
