import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

/** The body of every error answer (`toErrorResponse`), declared once as the `Error` schema. */
@ApiSchema({ name: 'Error' })
export class ErrorResponseDto {
  @ApiProperty({ description: 'Stable code: ValidationError, NotFound, PAYMENT.REFUND_EXCEEDS_PAID, …', example: 'ValidationError' })
  error!: string;

  @ApiProperty({ description: 'Human-readable explanation', example: 'amount must be a positive number' })
  message!: string;

  @ApiPropertyOptional({
    description:
      'Per-field complaints (`[{ field, constraints }]` for ValidationError, `[{ field, message, … }]` for domain errors) or an object of facts',
    oneOf: [
      { type: 'array', items: { type: 'object', additionalProperties: true } },
      { type: 'object', additionalProperties: true },
    ],
  })
  details?: unknown;
}

/** 409 WrongExpectedVersion of an append: the error shape with both versions. */
@ApiSchema({ name: 'WrongExpectedVersionError' })
export class WrongExpectedVersionErrorDto extends ErrorResponseDto {
  @ApiPropertyOptional({
    description: 'WrongExpectedVersion only: the expectedVersion the append carried',
    oneOf: [{ type: 'integer' }, { type: 'string' }],
  })
  expectedVersion?: number | string;

  @ApiPropertyOptional({ description: 'WrongExpectedVersion only: the stream version found', type: 'integer' })
  actualVersion?: number;
}
