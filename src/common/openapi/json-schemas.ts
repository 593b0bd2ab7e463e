import type { OpenAPIObject } from '@nestjs/swagger';

/**
 * Any JSON value, and any JSON object, as the service accepts them in free-form fields. Fastify's JSON parser
 * refuses two prototype-poisoning shapes at any depth (400 "Body is not valid JSON"): an object key `__proto__`, and
 * a `constructor` key holding an object with a `prototype` key. Recursive schemas state exactly that.
 */
export function addJsonSchemas(document: OpenAPIObject): void {
  const schemas = ((document.components ??= {}).schemas ??= {});
  schemas.JsonValue = {
    description: 'Any JSON value (objects as in JsonObject)',
    anyOf: [
      { type: 'string', nullable: true },
      { type: 'number' },
      { type: 'boolean' },
      { type: 'array', items: { $ref: '#/components/schemas/JsonValue' } },
      { $ref: '#/components/schemas/JsonObject' },
    ],
  };
  schemas.JsonObject = {
    type: 'object',
    description: 'Any JSON object, except a `__proto__` key or a `constructor` key holding an object with a `prototype` key (at any depth)',
    // A computed key makes `__proto__` an own property of the document rather than its prototype.
    properties: {
      ['__proto__']: { not: {} },
      constructor: {
        allOf: [{ $ref: '#/components/schemas/JsonValue' }, { not: { type: 'object', required: ['prototype'] } }],
      },
    },
    additionalProperties: { $ref: '#/components/schemas/JsonValue' },
  };
}
