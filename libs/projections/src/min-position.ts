import { applyDecorators, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiGatewayTimeoutResponse, ApiHeader, ApiProperty, ApiQuery } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Min } from 'class-validator';
import { InvalidMinPositionError } from './projection.errors';

export const MIN_POSITION_QUERY = 'minPosition';
export const MIN_POSITION_HEADER = 'x-min-position';

/** A non-negative integer (or its decimal string); undefined when absent; InvalidMinPositionError (400) otherwise. */
export function parseMinPosition(value: unknown): number | undefined {
  const raw = Array.isArray(value) ? (value as unknown[])[0] : value;
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return raw;
  if (typeof raw === 'string' && /^\d{1,15}$/.test(raw.trim())) return Number(raw.trim());
  throw new InvalidMinPositionError(raw);
}

interface RequestLike {
  query?: Record<string, unknown>;
  headers?: Record<string, unknown>;
}

/** The position a read must wait for: `?minPosition=` or the `x-min-position` header (the query wins). */
export function minPositionOf(request: RequestLike): number | undefined {
  return parseMinPosition(request.query?.[MIN_POSITION_QUERY]) ?? parseMinPosition(request.headers?.[MIN_POSITION_HEADER]);
}

/**
 * Controller parameter: `@MinPosition() minPosition: number | undefined`, then
 * `readModels.findById(name, id, { minPosition })`. Controllers validating their query with a DTO
 * extend `MinPositionQuery` so the global whitelist accepts the parameter.
 */
export const MinPosition = createParamDecorator((_data: unknown, ctx: ExecutionContext): number | undefined =>
  minPositionOf(ctx.switchToHttp().getRequest<RequestLike>()),
);

/** Base class for query DTOs of reads backed by projections. */
export class MinPositionQuery {
  @ApiProperty({
    required: false,
    minimum: 0,
    description: 'Wait until the read model has applied this global position (from a write response).',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  minPosition?: number;
}

/** OpenAPI for reads that accept `minPosition` / `x-min-position`. Use `ApiMinPosition({ query: false })` when the DTO documents the query. */
export function ApiMinPosition(options: { query?: boolean } = {}): MethodDecorator & ClassDecorator {
  const description =
    'Global position of your last write (the `position` of its response): the read waits, up to 5 s, until the read model has applied it.';
  const decorators = [
    ApiHeader({ name: MIN_POSITION_HEADER, required: false, description, schema: { type: 'integer', minimum: 0 } }),
    ApiGatewayTimeoutResponse({ description: 'PROJECTION.STALE: the read model did not reach minPosition in time; retry later.' }),
  ];
  if (options.query !== false) decorators.push(ApiQuery({ name: MIN_POSITION_QUERY, required: false, type: Number, description }));
  return applyDecorators(...decorators);
}
