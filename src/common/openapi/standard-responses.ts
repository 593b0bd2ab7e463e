import type { OpenAPIObject } from '@nestjs/swagger';
import type {
  OperationObject,
  ReferenceObject,
  ResponsesObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { CURRENCY_BOUND_AMOUNTS, splitByCurrency } from '../dto/money-fields';

const ERROR_REF = { $ref: '#/components/schemas/Error' };
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;

/**
 * The answers every operation of a kind can give, whatever its handler does. They come from the machinery in
 * front of the handlers, so they are stated here once, by rule, rather than by hand on each route:
 * - inputs (parameters or a body) → 400: the global ValidationPipe (`ValidationError` with per-field `details`),
 *   a malformed header (`Idempotency-Key`, `x-min-position`) or a domain rule on the values (`MODULE.REASON`);
 * - a path parameter → 404: no such resource (and the router's own 404 for a segment past 2,048 characters);
 * - a bearer token required → 401 (missing, invalid or expired) and 403 (role), from the AuthGuard; and 429,
 *   from the rate limiter, which counts every authenticated route (health probes are public and never limited);
 * - a body → 413 (past BODY_LIMIT_BYTES) and 415 (not `application/json`), from Fastify;
 * - every operation → 503: an instance shutting down (`ServiceUnavailable`) or Elasticsearch unavailable
 *   (`EventStoreUnavailable`), both with `Retry-After`.
 * An operation's own decorators (`@ApiErrors`) may describe one of these statuses more precisely: theirs is kept.
 */
export function addStandardResponses(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation) addTo(operation);
    }
  }
  splitCurrencyBoundBodies(document);
  closeRequestBodies(document);
  return document;
}

function addTo(operation: OperationObject): void {
  const responses: ResponsesObject = (operation.responses ??= {});
  const add = (status: number, description: string) => {
    const existing = responses[status] as { description?: string; content?: Record<string, { schema?: object }> } | undefined;
    const own = existing?.content?.['application/json']?.schema;
    if (own && '$ref' in own) return;
    if (own) {
      // A body of the operation's own (health checks' 503): the shared answer can come too (an instance shutting down).
      existing!.content!['application/json'].schema = { oneOf: [own, ERROR_REF] };
      return;
    }
    responses[status] = { description: existing?.description ?? description, content: { 'application/json': { schema: ERROR_REF } } };
  };
  const parameters = (operation.parameters ?? []) as { in?: string }[];
  const secured = (operation.security ?? []).length > 0;
  if (parameters.length > 0 || operation.requestBody) {
    add(400, 'ValidationError (per-field `details`), a malformed header, or a domain rule the values break (`MODULE.REASON`)');
  }
  if (parameters.some((p) => p.in === 'path')) add(404, 'Not found');
  if (secured) {
    add(401, 'Missing, invalid or expired bearer token');
    add(403, 'The token lacks the role this operation requires');
    add(429, 'TooManyRequests: the rate limit of the caller is reached; retry after the window');
  }
  if (operation.requestBody) {
    add(413, 'PayloadTooLarge: the body is larger than BODY_LIMIT_BYTES');
    add(415, 'UnsupportedMediaType: the body must be application/json');
  }
  add(
    503,
    'ServiceUnavailable (the instance is shutting down), EventStoreUnavailable (Elasticsearch unavailable; nothing was recorded) or AppendOutcomeUnknown (a write whose outcome could not be settled: it may have been recorded; retry with the same Idempotency-Key or eventIds); retry after Retry-After',
  );
}

/**
 * The global ValidationPipe refuses unknown properties (`forbidNonWhitelisted`), in nested DTOs too: every
 * schema a request body reaches says so with `additionalProperties: false`. Free-form objects (event data,
 * step output) declare `additionalProperties: true` themselves and stay open.
 */
function closeRequestBodies(document: OpenAPIObject): void {
  const schemas = (document.components?.schemas ?? {}) as Record<string, SchemaObject | ReferenceObject>;
  const seen = new Set<string>();
  const visit = (schema: SchemaObject | ReferenceObject | undefined): void => {
    if (!schema) return;
    if ('$ref' in schema) {
      const name = schema.$ref.replace('#/components/schemas/', '');
      if (seen.has(name)) return;
      seen.add(name);
      return visit(schemas[name]);
    }
    if (schema.properties && schema.additionalProperties === undefined) schema.additionalProperties = false;
    for (const sub of Object.values(schema.properties ?? {})) visit(sub);
    if (schema.items) visit(schema.items);
    for (const sub of [...(schema.oneOf ?? []), ...(schema.anyOf ?? []), ...(schema.allOf ?? [])]) visit(sub);
  };
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const body = item[method]?.requestBody;
      if (!body || '$ref' in body) continue;
      for (const media of Object.values(body.content)) visit(media.schema);
    }
  }
}

/** Bodies whose amount's precision depends on their currency field: one branch per currency exponent (money-fields.ts). */
function splitCurrencyBoundBodies(document: OpenAPIObject): void {
  const schemas = (document.components?.schemas ?? {}) as Record<string, Record<string, unknown>>;
  for (const [name, fields] of CURRENCY_BOUND_AMOUNTS) {
    if (schemas[name]?.properties) schemas[name] = splitByCurrency(schemas[name], fields);
  }
}
