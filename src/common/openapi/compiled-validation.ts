import Ajv, { type ValidateFunction } from 'ajv';
import type { OpenAPIObject } from '@nestjs/swagger';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { getMetadataStorage } from 'class-validator';
import { readTimeBound } from '../time/time-bound';
import { JSON_OBJECT_REF } from '../dto/fields';

/**
 * Compiled request validation for hot routes (appends, searches, analytics): the DTO's JSON schema, taken from the
 * OpenAPI document the service serves (the same decorators produce both), compiled once with ajv. A request the
 * compiled schema accepts is handed to the handler as parsed, without class-transformer copying it and
 * class-validator walking every event; anything it refuses goes through the class-validator pipe as before, which
 * answers the very same 400 (or accepts what only it accepts). So the compiled path only ever accepts a subset of
 * what the pipe accepts, and every error answer is unchanged.
 */

type SchemaObject = Record<string, unknown>;
type DtoClass = new () => unknown;

interface Compiled {
  validate: ValidateFunction;
  /** Root properties checked by class-validator rules the schema cannot state (e.g. expectedVersion refuses -0). */
  extraChecks: { property: string; check: (value: unknown) => boolean }[];
  /** Root properties of type integer: query strings spelling one are converted as IntegerField's transform does. */
  integers: string[];
}

const REGISTERED = new Set<DtoClass>();
const COMPILED = new WeakMap<object, Compiled>();

/** Marks a DTO class for compiled validation: its schema is compiled when the OpenAPI document is built. */
export function CompiledSchema(): ClassDecorator {
  return (target) => {
    REGISTERED.add(target as unknown as DtoClass);
  };
}

/** The classes marked with CompiledSchema (the document explores them as extra models). */
export function compiledSchemaClasses(): DtoClass[] {
  return [...REGISTERED];
}

/**
 * class-validator rules whose meaning the generated schema states exactly (the field decorators of dto/fields.ts and
 * the array/nesting rules), so ajv's verdict and theirs agree. Any other rule on a root property runs after ajv; on
 * a nested class it keeps the class-validator pipe for that DTO.
 */
const SCHEMA_EQUIVALENT = new Set([
  'isText',
  'matchesPattern',
  'isEnum',
  'isIntegerInRange',
  'isObject',
  'isTimeBound',
  'isArray',
  'arrayMinSize',
  'arrayMaxSize',
]);
const STRUCTURAL = new Set(['nestedValidation', 'conditionalValidation', 'whitelistValidation']);

function ajv(): Ajv {
  const a = new Ajv({
    strict: false, // the document's `example`, `description`, `default` and `nullable` are annotations here
    allErrors: false,
    coerceTypes: false,
    useDefaults: false,
    removeAdditional: false,
    // Patterns as class-validator tests them: `pattern.test(value)`, no `u` flag.
    unicodeRegExp: false,
    validateFormats: true,
  });
  // The two productions of a time bound, decided by the same reader as TimeBoundField's rule.
  a.addFormat('date-time', { type: 'string', validate: (v: string) => readTimeBound(v)?.kind === 'instant' });
  a.addFormat('date', { type: 'string', validate: (v: string) => readTimeBound(v)?.kind === 'date' });
  return a;
}

const REF_PREFIX = '#/components/schemas/';

/**
 * The document's component schemas, as ajv definitions: references rewritten, DTO objects closed (the pipe refuses
 * unknown properties), and JsonObject an object: its two refused shapes (`__proto__`, a `constructor` holding a
 * `prototype`) never get past Fastify's JSON parser, which refuses them before validation.
 */
function definitionsOf(document: OpenAPIObject): Record<string, SchemaObject> {
  const out: Record<string, SchemaObject> = {};
  const rewrite = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rewrite);
    if (!v || typeof v !== 'object') return v;
    const o: SchemaObject = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string' && x.startsWith(REF_PREFIX)) o.$ref = `#/definitions/${x.slice(REF_PREFIX.length)}`;
      else if (k === 'properties' && x && typeof x === 'object')
        o.properties = Object.fromEntries(Object.entries(x).map(([name, s]) => [name, rewrite(s)]));
      else o[k] = rewrite(x);
    }
    return o;
  };
  for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
    const s = rewrite(schema) as SchemaObject;
    if (s.type === 'object' && s.properties && s.additionalProperties === undefined) s.additionalProperties = false;
    out[name] = s;
  }
  out[JSON_OBJECT_REF.slice(REF_PREFIX.length)] = { type: 'object' };
  return out;
}

/** The definitions `name` refers to, directly or not (others may use OpenAPI 3.0 forms ajv's draft refuses). */
function reachable(definitions: Record<string, SchemaObject>, name: string): Record<string, SchemaObject> {
  const out: Record<string, SchemaObject> = {};
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string' && x.startsWith('#/definitions/')) add(x.slice('#/definitions/'.length));
      else visit(x);
    }
  };
  const add = (n: string): void => {
    if (out[n] || !definitions[n]) return;
    out[n] = definitions[n];
    visit(definitions[n]);
  };
  add(name);
  return out;
}

/** class-validator's rules of a class, by property; null when a nested class has a rule the schema cannot state. */
function extraChecksOf(cls: DtoClass, nested: boolean): Compiled['extraChecks'] | null {
  const storage = getMetadataStorage();
  const extra: Compiled['extraChecks'] = [];
  for (const m of storage.getTargetValidationMetadatas(cls, '', true, false)) {
    if (STRUCTURAL.has(m.type) || SCHEMA_EQUIVALENT.has(m.name ?? m.type)) continue;
    if (nested || m.type !== 'customValidation') return null;
    const constraint = storage.getTargetValidatorConstraints(m.constraintCls)[0];
    const instance = new (m.constraintCls as new () => { validate(v: unknown, args: unknown): boolean })();
    if (!constraint || constraint.async) return null;
    extra.push({ property: m.propertyName, check: (v) => instance.validate(v, { value: v, constraints: m.constraints }) === true });
  }
  return extra;
}

function nestedClassesOf(cls: DtoClass, seen = new Set<DtoClass>()): Set<DtoClass> {
  const storage = getMetadataStorage();
  for (const m of storage.getTargetValidationMetadatas(cls, '', true, false)) {
    if (m.type !== 'nestedValidation') continue;
    // The nested class is the one class-transformer builds there (@Type).
    const t = nestedTypeOf(cls, m.propertyName);
    if (t && !seen.has(t)) {
      seen.add(t);
      nestedClassesOf(t, seen);
    }
  }
  return seen;
}

function nestedTypeOf(cls: DtoClass, property: string): DtoClass | undefined {
  return defaultMetadataStorage.findTypeMetadata(cls, property)?.typeFunction() as DtoClass | undefined;
}

/**
 * Compiles the schema of every class marked with CompiledSchema from `document` (built with those classes among its
 * extra models). A class whose schema cannot be compiled, or whose rules the schema cannot state, keeps the
 * class-validator pipe alone.
 */
export function compileValidators(document: OpenAPIObject): void {
  const definitions = definitionsOf(document);
  const a = ajv();
  for (const cls of REGISTERED) {
    if (COMPILED.has(cls)) continue;
    const schema = definitions[cls.name];
    if (!schema) continue;
    const extraChecks = extraChecksOf(cls, false);
    if (!extraChecks || [...nestedClassesOf(cls)].some((n) => extraChecksOf(n, true) === null)) continue;
    const properties = (schema.properties ?? {}) as Record<string, SchemaObject>;
    const integers = Object.keys(properties).filter((p) => properties[p].type === 'integer');
    try {
      const validate = a.compile({ $ref: `#/definitions/${cls.name}`, definitions: reachable(definitions, cls.name) });
      COMPILED.set(cls, { validate, extraChecks, integers });
    } catch {
      // Not compilable (an unknown format, say): the class-validator pipe alone decides.
    }
  }
}

/** Whether `cls` validates through its compiled schema (tests). */
export function hasCompiledSchema(cls: object): boolean {
  return COMPILED.has(cls);
}

/** Integer-spelling query strings become numbers, exactly as IntegerField's transform converts them. */
const INTEGER_TEXT = /^-?\d{1,16}$/;

/**
 * The value as the handler receives it when the compiled schema accepts it (query and path parameters with their
 * integers converted), or undefined: then the class-validator pipe decides.
 */
export function compiledTransform(cls: unknown, value: unknown, source: 'body' | 'query' | 'param' | 'custom'): unknown {
  if (typeof cls !== 'function') return undefined;
  const c = COMPILED.get(cls);
  if (!c || value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  let v = value as Record<string, unknown>;
  if (source === 'query' || source === 'param') {
    v = { ...v };
    for (const p of c.integers) {
      const x = v[p];
      if (typeof x === 'string' && INTEGER_TEXT.test(x)) v[p] = Number(x) + 0;
    }
  } else if (source !== 'body') return undefined;
  if (!c.validate(v)) return undefined;
  for (const { property, check } of c.extraChecks) {
    if (v[property] !== undefined && !check(v[property])) return undefined;
  }
  return v;
}

/** Removes the extra models nothing in the document refers to (compiled query DTOs are not part of the contract). */
export function pruneUnreferenced(document: OpenAPIObject, names: string[]): void {
  const schemas = document.components?.schemas;
  if (!schemas) return;
  const referenced = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string' && x.startsWith(REF_PREFIX)) {
        const name = x.slice(REF_PREFIX.length);
        if (!referenced.has(name)) {
          referenced.add(name);
          visit(schemas[name]);
        }
      } else visit(x);
    }
  };
  visit(document.paths);
  for (const name of names) if (!referenced.has(name)) delete schemas[name];
}
