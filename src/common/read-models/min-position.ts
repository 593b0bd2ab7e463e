import { applyDecorators, createParamDecorator, Inject, Injectable, type ExecutionContext, type PipeTransform } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { DomainError } from '@gyroscops/ddd';
import { EVENT_STORE, type EventStore } from '@gyroscops/event-store';
import { MIN_POSITION_HEADER, MIN_POSITION_QUERY } from '@gyroscops/projections';
import { IntegerField, MAX_POSITION } from '../dto/fields';
import { RequestValidationError } from '../errors/validation';
import { ApiErrors } from '../openapi/api-errors.decorator';

/**
 * Read-your-writes on every read backed by a projection, implemented once: `?minPosition=` or the
 * `x-min-position` header (the query wins) names the global position of the caller's last write (the
 * `position` of its response). The read then waits, up to 5 s, until its read model has applied it.
 * A position past the head of the global log cannot be waited for: it is refused at once (409), never
 * answered 504 after the wait.
 */

const DESCRIPTION =
  'Global position of your last write (the `position` of its response): the read waits, up to 5 s, until the read model has applied it. ' +
  'The query parameter wins over the `x-min-position` header. A position past the head of the global log is refused with 409 PROJECTION.POSITION_AHEAD.';
const POSITION_TEXT = /^\d{1,16}$/;

/** Query DTO base of reads backed by projections. */
export class ProjectionReadQueryDto {
  @IntegerField({ minimum: 0, maximum: MAX_POSITION, description: DESCRIPTION })
  minPosition?: number;
}

/** A safe integer >= 0 from a query value or header, undefined when absent, null when malformed. */
export function parsePosition(raw: unknown): number | undefined | null {
  const value = Array.isArray(raw) ? (raw as unknown[])[0] : raw;
  if (value === undefined) return undefined;
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value + 0 : null;
  if (typeof value !== 'string' || !POSITION_TEXT.test(value)) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}

export class PositionAheadError extends DomainError {
  constructor(field: string, minPosition: number, head: number) {
    super(
      'PROJECTION.POSITION_AHEAD',
      `${field} ${minPosition} is past the head of the global log (${head}): no write has that position yet`,
      409,
      [{ field, minPosition, headPosition: head }],
    );
  }
}

interface RawMinPosition {
  query: unknown;
  header: unknown;
}

const RawMinPosition = createParamDecorator((_data: unknown, ctx: ExecutionContext): RawMinPosition => {
  const req = ctx.switchToHttp().getRequest<{ query?: Record<string, unknown>; headers: Record<string, unknown> }>();
  return { query: req.query?.[MIN_POSITION_QUERY], header: req.headers[MIN_POSITION_HEADER] };
});

/** Resolves the position a read must wait for, and refuses one the log has not reached. */
@Injectable()
export class MinPositionPipe implements PipeTransform<RawMinPosition, Promise<number | undefined>> {
  /** Highest head seen: heads only grow, so a position at or below it needs no round trip. */
  private knownHead = 0;

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async transform(raw: RawMinPosition): Promise<number | undefined> {
    const fromQuery = parsePosition(raw.query);
    const fromHeader = parsePosition(raw.header);
    if (fromHeader === null) {
      throw new RequestValidationError([
        { field: MIN_POSITION_HEADER, constraints: { isPosition: `${MIN_POSITION_HEADER} must be an integer from 0 to ${MAX_POSITION}` } },
      ]);
    }
    // The query value was validated by ProjectionReadQueryDto; null here means the route forgot that DTO.
    if (fromQuery === null) throw new Error(`${MIN_POSITION_QUERY} reached the pipe unvalidated`);
    const field = fromQuery !== undefined ? MIN_POSITION_QUERY : MIN_POSITION_HEADER;
    const position = fromQuery ?? fromHeader;
    if (position === undefined || position <= this.knownHead) return position;
    this.knownHead = Math.max(this.knownHead, await this.store.headPosition());
    if (position > this.knownHead) throw new PositionAheadError(field, position, this.knownHead);
    return position;
  }
}

/** Controller parameter of reads backed by projections: `@MinPosition() minPosition: number | undefined`. */
export const MinPosition = (): ParameterDecorator => RawMinPosition(MinPositionPipe);

/** OpenAPI of a read backed by a projection (the query parameter comes from ProjectionReadQueryDto). */
export function ApiProjectionRead(): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: MIN_POSITION_HEADER,
      required: false,
      description: DESCRIPTION,
      schema: { type: 'integer', minimum: 0, maximum: MAX_POSITION },
    }),
    ApiErrors({
      409: 'PROJECTION.POSITION_AHEAD: minPosition is past the head of the global log',
      503: 'PROJECTION.FAILED: the read model is stopped on an event it cannot apply; or EventStoreUnavailable',
      504: 'PROJECTION.STALE: the read model did not reach minPosition within 5 s; retry later',
    }),
  );
}

/**
 * OpenAPI link from a command's answer to the read of what it wrote, waiting for it: the id and the `position` of the
 * answer become the read's path id and `minPosition` (read-your-writes, as clients should chain them).
 */
export function readYourWriteLink(
  operationId: string,
  idField: string,
): Record<string, { operationId: string; parameters: Record<string, string> }> {
  return {
    [`ReadWhatWasWritten`]: {
      operationId,
      parameters: { id: `$response.body#/${idField}`, [MIN_POSITION_QUERY]: '$response.body#/position' },
    },
  };
}
