import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { readScopeOf } from '@gyroscops/ddd';
import { RequestContextStore } from '@gyroscops/context';
import { Roles } from '../../auth/access.decorators';
import { RequestValidationError } from '../../common/errors/validation';
import { DEFAULT_LOG_LIMIT, filterOf, LogPageDto, LogStreamQueryDto, ReadLogQueryDto } from './log.dto';
import { ReadLogQuery } from './queries/read-log/read-log.query';
import { LogStreamHub } from './stream/log-stream.hub';
import { LAST_EVENT_ID_PATTERN, parseLastEventId, STREAM_HEADERS } from './stream/sse';

@ApiTags('log')
@Controller('v1/log')
export class LogController {
  constructor(
    private readonly queries: QueryBus,
    private readonly hub: LogStreamHub,
  ) {}

  @Get()
  @Roles('reader')
  @ApiOperation({
    summary: 'Read the global log after a checkpoint, in position order (gap-safe), filtered on the server',
    description:
      'The ordered log projections read: an event is returned only once every position before it is settled, so paging ' +
      'from `checkpoint` to `checkpoint` never misses one that commits late. Only the caller’s organization’s events ' +
      '(admins: every organization’s). `checkpoint` moves past everything looked at, including events the filters left out, ' +
      'so a sparse filter never reads the same positions twice; an empty page with `checkpoint < head` means "keep reading".',
  })
  @ApiOkResponse({ type: LogPageDto })
  read(@Query() q: ReadLogQueryDto): Promise<LogPageDto> {
    return this.queries.execute(new ReadLogQuery(q.after ?? 0, q.limit ?? DEFAULT_LOG_LIMIT, filterOf(q)));
  }

  @Get('stream')
  @Roles('reader')
  @ApiOperation({
    summary: 'Follow the global log live, as Server-Sent Events',
    description:
      'Each log event is a message whose `id` is its position and whose `data` is the event (JSON). The stream catches up ' +
      'from `after` (or the `Last-Event-ID` header, which EventSource sends when it reconnects), then follows the log live, ' +
      'with no gap and no duplicate at the switch. Same filters and organization scope as GET /v1/log. When idle it sends a ' +
      '`checkpoint` message (`id` = the position it has looked at, so a reconnection skips what the filters left out) or a ' +
      '`: heartbeat` comment every LOG_STREAM_HEARTBEAT_MS. A client that does not read fast enough to keep its backlog ' +
      'under LOG_STREAM_BUFFER_EVENTS events is sent a `dropped` message and disconnected; it resumes from its last id. ' +
      'Responses carry `Cache-Control: no-cache, no-transform` and `X-Accel-Buffering: no` for proxies.',
  })
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'Resume after this position (takes precedence over `after`; empty: none)',
    schema: { type: 'string', pattern: LAST_EVENT_ID_PATTERN.source },
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description:
      'An endless text/event-stream. Its schema is that of one message: log events (no `event` field, or `message`) carry ' +
      'the event as JSON in `data` and its position as `id`; `checkpoint` messages `{ checkpoint }` with the position ' +
      'looked at as `id`; a `dropped` message `{ reason, lastEventId, bufferLimit }` ends the stream of a client too slow.',
    content: {
      'text/event-stream': {
        schema: {
          type: 'object',
          required: ['data'],
          properties: {
            id: { type: 'string', pattern: '^\\d{1,15}$', description: 'A position: resume after it with Last-Event-ID' },
            event: { type: 'string', enum: ['message', 'checkpoint', 'dropped'] },
            data: { type: 'string', description: 'JSON' },
            retry: { type: 'integer', minimum: 0 },
          },
        },
        example: 'id: 42\ndata: {"eventId":"…","position":42,…}\n\n',
      },
    },
  })
  async stream(@Query() q: LogStreamQueryDto, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const last = parseLastEventId(req.headers['last-event-id']);
    if (last === 'invalid') {
      throw new RequestValidationError([
        { field: 'Last-Event-ID', constraints: { isPosition: 'Last-Event-ID must be a position (1-15 digits)' } },
      ]);
    }
    const scope = readScopeOf();
    reply.hijack();
    const headers: Record<string, string | number | string[]> = {};
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) headers[name] = value;
    reply.raw.writeHead(200, { ...headers, ...STREAM_HEADERS });
    await this.hub.open(reply.raw, {
      after: last ?? q.after ?? 0,
      filter: filterOf(q),
      scope,
      label: RequestContextStore.current()?.correlationId ?? 'stream',
    });
  }
}
