import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { compileValidators, compiledSchemaClasses, pruneUnreferenced } from './common/openapi/compiled-validation';
import { ErrorResponseDto } from './common/openapi/error-response.dto';
import { addJsonSchemas } from './common/openapi/json-schemas';
import { addStandardResponses } from './common/openapi/standard-responses';

export const DOCS_PATH = 'docs';

/**
 * The OpenAPI document the service serves: its decorators, plus the answers every operation shares (addStandardResponses).
 * The DTOs marked for compiled validation are explored with it, their schemas compiled from it (compileValidators),
 * and those nothing refers to (query DTOs) left out of the served document again.
 */
export function createOpenApiDocument(app: INestApplication, version: string) {
  const compiled = compiledSchemaClasses();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Gyroscops')
      .setDescription(
        'Gyroscops domain backend: an event store on Elasticsearch with Payment, Billing, Workflow and Analytics modules. ' +
          'Every error answer is `{ error, message, details? }` (the Error schema). Lists page with `size` and `cursor` and answer ' +
          '`nextCursor` (null on the last page); time ranges are `from`/`to` (RFC 3339 date-time or date, inclusive); reads ' +
          'backed by projections accept `minPosition` or `x-min-position`. See the README, "API conventions".',
      )
      .setVersion(version)
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
    { extraModels: [ErrorResponseDto, ...compiled] },
  );
  compileValidators(document);
  pruneUnreferenced(
    document,
    compiled.map((c) => c.name),
  );
  addJsonSchemas(document);
  return addStandardResponses(document);
}

/** OpenAPI UI at /docs and the JSON document at /docs-json; served outside the guards, so public. */
export function setupOpenApi(app: INestApplication, version: string): void {
  SwaggerModule.setup(DOCS_PATH, app, createOpenApiDocument(app, version), { jsonDocumentUrl: `${DOCS_PATH}-json` });
}
