import { ValidationPipe, type ValidationError } from '@nestjs/common';

export interface FieldValidationError {
  /** Dotted path of the offending property, e.g. `lines.0.amount`. */
  field: string;
  /** Failed rules and their messages, e.g. `{ isPositive: 'amount must be a positive number' }`. */
  constraints: Record<string, string>;
}

/** A request body, query or params failed validation; answered 400 `ValidationError` with per-field details. */
export class RequestValidationError extends Error {
  constructor(readonly details: readonly FieldValidationError[]) {
    const messages = details.flatMap((d) => Object.values(d.constraints));
    const shown = messages.slice(0, 5).join('; ');
    super(messages.length > 5 ? `${shown}; and ${messages.length - 5} more` : shown || 'Request validation failed');
    this.name = 'RequestValidationError';
  }
}

export function flattenValidationErrors(errors: readonly ValidationError[], parent = ''): FieldValidationError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, constraints: { ...error.constraints } }] : [];
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/** The one validation pipe: unknown properties are refused, payloads become DTO instances. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new RequestValidationError(flattenValidationErrors(errors)),
  });
}
