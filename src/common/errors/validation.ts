import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';

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

/**
 * Nest's ValidationPipe lets `null` (and, for some DTOs, arrays) through unvalidated: a body bound to a DTO class
 * must be a JSON object, or handlers would dereference nothing and answer 500.
 */
class ObjectBodyValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const isDtoBody =
      metadata.type === 'body' &&
      typeof metadata.metatype === 'function' &&
      ![Object, Array, String, Number, Boolean].includes(metadata.metatype as never);
    if (isDtoBody && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      throw new RequestValidationError([{ field: 'body', constraints: { isObject: 'the request body must be a JSON object' } }]);
    }
    return super.transform(value, metadata);
  }
}

/** The one validation pipe: unknown properties are refused, payloads become DTO instances. */
export function createValidationPipe(): ValidationPipe {
  return new ObjectBodyValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new RequestValidationError(flattenValidationErrors(errors)),
  });
}
