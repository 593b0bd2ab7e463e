import { IntegerField, MAX_POSITION } from './fields';
import { readTimeBound } from '../time/time-bound';
import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { ValidateBy, ValidateIf } from 'class-validator';

/** `?version=` or `?at=`: an aggregate's state rebuilt as of a version or a moment (the replay endpoints). */
export class ReplayQueryDto {
  @IntegerField({ minimum: 1, maximum: MAX_POSITION, description: 'State after this version' })
  version?: number;

  @AtField()
  at?: string;
}

/** An instant: an RFC 3339 date-time with its offset (what `at` needs; a bare date names no moment). */
function AtField(): PropertyDecorator {
  return applyDecorators(
    ApiProperty({
      required: false,
      type: 'string',
      format: 'date-time',
      description: 'State as of this moment (RFC 3339, with its offset)',
    }),
    ValidateIf((_o: object, v: unknown) => v !== undefined),
    ValidateBy({
      name: 'isInstant',
      validator: {
        validate: (v: unknown) => typeof v === 'string' && readTimeBound(v)?.kind === 'instant',
        defaultMessage: () => 'at must be an RFC 3339 date-time with an offset, such as 2024-12-19T10:00:00Z',
      },
    }),
  );
}
