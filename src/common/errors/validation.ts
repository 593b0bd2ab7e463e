import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { classToPlain, plainToInstance, type ClassConstructor, type ClassTransformOptions } from 'class-transformer';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { freeObjectFieldsOfClass, restoreFreeObjects } from '../dto/fields';
import { compiledTransform } from '../openapi/compiled-validation';

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
 *
 * It also deletes every `constructor` and `prototype` key of a value, at any depth, silently: event data such as
 * `{ "constructor": "Ford" }` would be stored without it. In bodies, free JSON objects (ObjectField) keep theirs:
 * Fastify's parser already refuses the poisoning shapes there (`__proto__`, a `constructor` holding a `prototype`),
 * and they are copied as sent (restoreFreeObjects), never rebuilt from a constructor. Everywhere else the keys
 * are stripped as before (class-transformer would call `new value.constructor()` on them).
 */
class ObjectBodyValidationPipe extends ValidationPipe {
  private bodyType: unknown = undefined;

  constructor(
    options: ConstructorParameters<typeof ValidationPipe>[0],
    private readonly compiled: boolean,
  ) {
    super(options);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const isDtoBody =
      metadata.type === 'body' &&
      typeof metadata.metatype === 'function' &&
      ![Object, Array, String, Number, Boolean].includes(metadata.metatype as never);
    if (isDtoBody && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      throw new RequestValidationError([{ field: 'body', constraints: { isObject: 'the request body must be a JSON object' } }]);
    }
    // Hot routes: what their compiled schema accepts goes to the handler as parsed; the rest is decided below.
    const compiled = this.compiled ? compiledTransform(metadata.metatype, value, metadata.type) : undefined;
    if (compiled !== undefined) return compiled;
    // super.transform strips keys synchronously, before its first await: the field covers this call only.
    this.bodyType = isDtoBody ? metadata.metatype : undefined;
    try {
      return super.transform(value, metadata);
    } finally {
      this.bodyType = undefined;
    }
  }

  protected override stripProtoKeys(value: unknown): void {
    if (this.bodyType === undefined) super.stripProtoKeys(value);
    else this.stripOutsideFreeObjects(value, this.bodyType);
  }

  /** Nest's stripping, except inside the free JSON objects of the DTO classes the body maps to. */
  private stripOutsideFreeObjects(value: unknown, cls: unknown): void {
    if (Array.isArray(value)) {
      for (const item of Object.values(value)) this.stripOutsideFreeObjects(item, cls);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    if (typeof cls !== 'function') return super.stripProtoKeys(value);
    const free = freeObjectFieldsOfClass(cls);
    const record = value as Record<string, unknown>;
    for (const key of ['__proto__', 'prototype', 'constructor']) {
      if (Object.prototype.hasOwnProperty.call(record, key)) delete record[key];
    }
    for (const key of Object.keys(record)) {
      if (free.has(key)) continue;
      const nested = defaultMetadataStorage.findTypeMetadata(cls, key)?.typeFunction();
      this.stripOutsideFreeObjects(record[key], nested);
    }
  }
}

/** class-transformer, with the free JSON objects of DTOs (ObjectField) copied as sent rather than rebuilt. */
const transformerPackage = {
  plainToInstance<T>(cls: ClassConstructor<T>, plain: unknown, options?: ClassTransformOptions): T | T[] {
    const instance = plainToInstance(cls, plain, options) as T | T[];
    restoreFreeObjects(instance, plain);
    return instance;
  },
  classToPlain,
};

/**
 * The one validation pipe: unknown properties are refused, payloads become DTO instances, except that DTOs with a
 * compiled schema (CompiledSchema) get what it accepts as parsed (`compiled: false`: class-validator alone, for tests).
 */
export function createValidationPipe(options: { compiled?: boolean } = {}): ValidationPipe {
  return new ObjectBodyValidationPipe(
    {
      transformerPackage,
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => new RequestValidationError(flattenValidationErrors(errors)),
    },
    options.compiled ?? true,
  );
}
