import { applyDecorators } from '@nestjs/common';
import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import { Exclude, Transform } from 'class-transformer';
import { ValidateBy, ValidateIf } from 'class-validator';
import { AGGREGATE_TYPE_PATTERN, SUBJECT_ID_PATTERN } from '@gyroscops/event-store';
import { isTimeBound, TIME_BOUND_SCHEMA } from '../time/time-bound';

/**
 * Field decorators that state a constraint once: each applies the class-validator rule that the global
 * ValidationPipe enforces and the OpenAPI schema that documents it, from the same values. DTOs use these
 * instead of pairing `@ApiProperty({ maxLength })` with `@Length(…)` by hand, so the document cannot drift.
 */

export interface FieldOptions {
  /** Optional unless said otherwise. An optional field may be absent, never `null`. */
  required?: boolean;
  description?: string;
  example?: unknown;
  /** Documented default when absent. */
  default?: unknown;
}

type Check = (value: unknown) => boolean;

/**
 * Identifiers the event store accepts as aggregate ids (and so as URL segments): AGGREGATE_ID_PATTERN without `..`
 * (assertAggregateId refuses it), 1-256 characters (the field's length bounds). Spelled without a lookahead
 * (a dot is followed by another character than a dot, or ends the id) so generators can draw from it.
 */
export const ID_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9_:@-]|\.[A-Za-z0-9_:@-])*\.?$/;
export const ID_RULE = '1-256 characters of letters, digits and . _ : @ -, starting with a letter or digit, without ".."';
export const AGGREGATE_TYPE_RULE = '1-100 characters: a letter, then letters, digits, _ . -';
/** Global log positions and stream versions are safe integers. */
export const MAX_POSITION = Number.MAX_SAFE_INTEGER;

function field(name: string, check: Check, rule: string, schema: ApiPropertyOptions, o: FieldOptions): PropertyDecorator {
  const required = o.required ?? false;
  const doc = {
    ...schema,
    required,
    ...(o.description !== undefined ? { description: o.description } : {}),
    ...(o.example !== undefined ? { example: o.example } : {}),
    ...(o.default !== undefined ? { default: o.default } : {}),
  } as ApiPropertyOptions;
  return applyDecorators(
    ApiProperty(doc),
    // Not IsOptional(): that would let `null` through a field documented as a string or a number.
    ...(required ? [] : [ValidateIf((_object: object, value: unknown) => value !== undefined)]),
    ValidateBy({ name, validator: { validate: check, defaultMessage: (a) => `${a?.property ?? 'value'} must be ${rule}` } }),
  );
}

/** Length in characters (code points), as JSON Schema counts it, not UTF-16 units. */
const length = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** A string of `minLength` (default 1) to `maxLength` characters; `nonBlank`: not only whitespace. */
export function TextField(o: FieldOptions & { minLength?: number; maxLength: number; nonBlank?: boolean }): PropertyDecorator {
  const min = o.minLength ?? 1;
  return field(
    'isText',
    (v) => typeof v === 'string' && length(v) >= min && length(v) <= o.maxLength && (!o.nonBlank || NON_BLANK.test(v)),
    `a string of ${min}-${o.maxLength} characters${o.nonBlank ? ', not only whitespace' : ''}`,
    { type: 'string', minLength: min, maxLength: o.maxLength, ...(o.nonBlank ? { pattern: NON_BLANK.source } : {}) },
    o,
  );
}

const NON_BLANK = /\S/;

/** A string matching `pattern` (anchored), which also bounds its length. */
export function PatternField(
  pattern: RegExp,
  rule: string,
  o: FieldOptions & { minLength?: number; maxLength?: number } = {},
): PropertyDecorator {
  const min = o.minLength ?? 0;
  const max = o.maxLength ?? Infinity;
  return field(
    'matchesPattern',
    (v) => typeof v === 'string' && pattern.test(v) && length(v) >= min && length(v) <= max,
    rule,
    {
      type: 'string',
      pattern: pattern.source,
      ...(o.minLength !== undefined ? { minLength: o.minLength } : {}),
      ...(o.maxLength !== undefined ? { maxLength: o.maxLength } : {}),
    },
    o,
  );
}

/** An aggregate id (payment, invoice, workflow, stream): what the event store accepts. */
export const IdField = (o: FieldOptions = {}): PropertyDecorator =>
  PatternField(ID_PATTERN, ID_RULE, { minLength: 1, maxLength: 256, ...o });

/** A data subject's id (GDPR erasure): what the event store accepts for `personal.subjectId`. */
export const SubjectIdField = (o: FieldOptions = {}): PropertyDecorator =>
  PatternField(SUBJECT_ID_PATTERN, '1-256 characters of letters, digits and . _ : @ + -, starting with a letter or digit', {
    minLength: 1,
    maxLength: 256,
    ...o,
  });

export const AggregateTypeField = (o: FieldOptions = {}): PropertyDecorator =>
  PatternField(AGGREGATE_TYPE_PATTERN, AGGREGATE_TYPE_RULE, { minLength: 1, maxLength: 100, ...o });

export function EnumField<T extends string>(values: readonly T[], o: FieldOptions = {}): PropertyDecorator {
  return field('isEnum', (v) => values.includes(v as T), `one of ${values.join(', ')}`, { type: 'string', enum: [...values] }, o);
}

/**
 * An integer. Query strings are converted only when they spell one (`12`, not `12.0`, `1e3` or ``), so what
 * passes is exactly what the schema's `type: integer` admits.
 */
export function IntegerField(o: FieldOptions & { minimum: number; maximum: number }): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d{1,16}$/.test(value) ? Number(value) + 0 : value)),
    field(
      'isIntegerInRange',
      (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= o.minimum && v <= o.maximum,
      `an integer from ${o.minimum} to ${o.maximum}`,
      { type: 'integer', minimum: o.minimum, maximum: o.maximum },
      o,
    ),
  );
}

/**
 * Free JSON object (event data, metadata, step output): any keys and values, at any depth, except the two
 * prototype-poisoning shapes Fastify's JSON parser refuses (a `__proto__` key; a `constructor` key whose value is an
 * object with a `prototype` key). The `JsonObject` schema (openapi/json-schemas.ts) states exactly that.
 */
export function ObjectField(o: FieldOptions = {}): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    const fields = FREE_OBJECT_FIELDS.get(target.constructor) ?? new Set<string>();
    fields.add(String(property));
    FREE_OBJECT_FIELDS.set(target.constructor, fields);
    applyDecorators(
      // class-transformer rebuilds objects with `new value.constructor()`, which a JSON key "constructor" turns into a
      // TypeError (a 500): free objects are left out of its walk and copied as sent (restoreFreeObjects).
      Exclude({ toClassOnly: true }),
      field(
        'isObject',
        (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
        'a JSON object',
        { allOf: [{ $ref: JSON_OBJECT_REF }] },
        o,
      ),
    )(target, property);
  };
}

/** DTO class → its free JSON object properties (ObjectField). */
const FREE_OBJECT_FIELDS = new WeakMap<object, Set<string>>();

function freeObjectFieldsOf(instance: object): Set<string> {
  return freeObjectFieldsOfClass(instance.constructor);
}

export function freeObjectFieldsOfClass(cls: unknown): Set<string> {
  const names = new Set<string>();
  for (let c: unknown = cls; typeof c === 'function' && c !== Object; c = Object.getPrototypeOf(c)) {
    for (const name of FREE_OBJECT_FIELDS.get(c) ?? []) names.add(name);
  }
  return names;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * Puts back, as sent, the free JSON objects class-transformer was told to skip, in a DTO instance and the DTOs nested
 * in it (the validation pipe calls it right after plainToInstance, before validating).
 */
export function restoreFreeObjects(instance: unknown, plain: unknown): void {
  if (Array.isArray(instance)) {
    if (Array.isArray(plain)) instance.forEach((item, i) => restoreFreeObjects(item, plain[i]));
    return;
  }
  if (!isRecord(instance) || !isRecord(plain) || Array.isArray(plain)) return;
  const free = freeObjectFieldsOf(instance);
  for (const name of free) if (Object.prototype.hasOwnProperty.call(plain, name)) instance[name] = plain[name];
  for (const [name, value] of Object.entries(instance)) {
    if (!free.has(name) && isRecord(value) && Object.prototype.hasOwnProperty.call(plain, name)) restoreFreeObjects(value, plain[name]);
  }
}

export const JSON_OBJECT_REF = '#/components/schemas/JsonObject';

/** A UUID in any letter case (the event store compares event ids case-insensitively). */
export const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const UuidField = (o: FieldOptions = {}): PropertyDecorator =>
  PatternField(UUID_PATTERN, 'a UUID', { ...o, minLength: 36, maxLength: 36 });

/** `from`/`to`: an RFC 3339 date-time with its offset (an instant) or a date (a whole day). */
export function TimeBoundField(o: FieldOptions): PropertyDecorator {
  return field(
    'isTimeBound',
    (v) => typeof v === 'string' && isTimeBound(v),
    'an RFC 3339 date-time with an offset (2024-12-19T10:00:00Z) or a date (2024-12-19)',
    TIME_BOUND_SCHEMA,
    o,
  );
}
