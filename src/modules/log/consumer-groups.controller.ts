import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Roles } from '../../auth/access.decorators';
import { ApiErrors } from '../../common/openapi/api-errors.decorator';
import { AckDeliveriesCommand } from './commands/ack-deliveries/ack-deliveries.command';
import { DeleteConsumerGroupCommand } from './commands/delete-consumer-group/delete-consumer-group.command';
import { FetchDeliveriesCommand } from './commands/fetch-deliveries/fetch-deliveries.command';
import { MoveConsumerGroupCommand } from './commands/move-consumer-group/move-consumer-group.command';
import { NackDeliveriesCommand } from './commands/nack-deliveries/nack-deliveries.command';
import { PutConsumerGroupCommand } from './commands/put-consumer-group/put-consumer-group.command';
import { ReplayParkedEventCommand } from './commands/replay-parked-event/replay-parked-event.command';
import { SkipParkedEventCommand } from './commands/skip-parked-event/skip-parked-event.command';
import {
  AckDeliveriesDto,
  AckResultDto,
  ConsumerGroupListDto,
  ConsumerGroupStatusDto,
  FetchDeliveriesDto,
  FetchResultDto,
  GroupNameParam,
  GroupOrganizationQuery,
  GroupParkedEventParam,
  groupFilterOf,
  MoveConsumerGroupDto,
  NackDeliveriesDto,
  NackResultDto,
  ParkedListDto,
  PutConsumerGroupDto,
} from './consumer-groups.dto';
import { GetConsumerGroupQuery } from './queries/get-consumer-group/get-consumer-group.query';
import { ListConsumerGroupsQuery } from './queries/list-consumer-groups/list-consumer-groups.query';
import { ListParkedEventsQuery } from './queries/list-parked-events/list-parked-events.query';

const NOT_FOUND = 'CONSUMER_GROUP.NOT_FOUND (unknown, or another organization’s)';

/**
 * Durable consumer groups (persistent subscriptions) over the global log: the server keeps each group's checkpoint,
 * consumers fetch by long poll and acknowledge; at-least-once, in order per aggregate, shared between consumers.
 * Groups belong to the caller's organization; admins may name another organization with `organizationId`.
 */
@ApiTags('consumer-groups')
@Controller('v1/consumer-groups')
export class ConsumerGroupsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @Roles('reader')
  @ApiOperation({ summary: 'The consumer groups of the organization, with their status' })
  @ApiOkResponse({ type: ConsumerGroupListDto })
  async list(@Query() q: GroupOrganizationQuery): Promise<ConsumerGroupListDto> {
    return { groups: await this.queries.execute(new ListConsumerGroupsQuery(q.organizationId)) };
  }

  @Put(':group')
  @Roles('writer')
  @ApiOperation({
    summary: 'Create a consumer group, or change its filter and settings',
    description:
      'A new group starts at `startFrom` (default: the beginning of the log). For an existing group `startFrom` is ignored; ' +
      'a changed filter applies from its checkpoint on (pending and in-flight events are read again with the new filter). ' +
      'A group an admin creates in its own organization follows every organization and only admins may use it.',
  })
  @ApiCreatedResponse({ type: ConsumerGroupStatusDto, description: 'Created' })
  @ApiOkResponse({ type: ConsumerGroupStatusDto, description: 'Updated (or unchanged)' })
  @ApiErrors({ 404: NOT_FOUND })
  async put(
    @Param() { group }: GroupNameParam,
    @Query() q: GroupOrganizationQuery,
    @Body() body: PutConsumerGroupDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConsumerGroupStatusDto> {
    const { created, status } = await this.commands.execute(
      new PutConsumerGroupCommand(group, q.organizationId, {
        filter: groupFilterOf(body.filter),
        startFrom: body.startFrom,
        settings: {
          maxAttempts: body.maxAttempts,
          ackTimeoutMs: body.ackTimeoutMs,
          retryBaseMs: body.retryBaseMs,
          retryMaxMs: body.retryMaxMs,
        },
      }),
    );
    void reply.status(created ? 201 : 200);
    return status;
  }

  @Get(':group')
  @Roles('reader')
  @ApiOperation({ summary: 'Status of a group: position, head, lag, pending, in flight, retrying, parked, consumers' })
  @ApiOkResponse({ type: ConsumerGroupStatusDto })
  @ApiErrors({ 404: NOT_FOUND })
  status(@Param() { group }: GroupNameParam, @Query() q: GroupOrganizationQuery): Promise<ConsumerGroupStatusDto> {
    return this.queries.execute(new GetConsumerGroupQuery(group, q.organizationId));
  }

  @Delete(':group')
  @HttpCode(204)
  @Roles('writer')
  @ApiOperation({ summary: 'Delete a group: its checkpoint, pending events and parked events are gone' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors({ 404: NOT_FOUND })
  async remove(@Param() { group }: GroupNameParam, @Query() q: GroupOrganizationQuery): Promise<void> {
    await this.commands.execute(new DeleteConsumerGroupCommand(group, q.organizationId));
  }

  @Post(':group/position')
  @HttpCode(200)
  @Roles('writer')
  @ApiOperation({
    summary: 'Move a group’s checkpoint (replay from the beginning, skip to the end, or any position)',
    description: 'Pending and in-flight events are dropped (their acknowledgements become stale) and the log is read again from there.',
  })
  @ApiOkResponse({ type: ConsumerGroupStatusDto })
  @ApiErrors({ 404: NOT_FOUND })
  move(
    @Param() { group }: GroupNameParam,
    @Query() q: GroupOrganizationQuery,
    @Body() body: MoveConsumerGroupDto,
  ): Promise<ConsumerGroupStatusDto> {
    return this.commands.execute(new MoveConsumerGroupCommand(group, q.organizationId, body.position));
  }

  @Post(':group/fetch')
  @HttpCode(200)
  @Roles('writer')
  @ApiOperation({
    summary: 'Receive events (long poll)',
    description:
      'Answers at once with up to `max` events when some are ready, otherwise waits up to `waitMs` for one. Events come in ' +
      'position order, at most one per aggregate and only once the previous event of that aggregate is acknowledged (or ' +
      'parked), and never to two consumers at once. Each is the consumer’s until it is acknowledged, refused or its ' +
      '`deadline` passes (`ackTimeoutMs`); then it is delivered again (at least once), and parked after `maxAttempts`.',
  })
  @ApiOkResponse({ type: FetchResultDto })
  @ApiErrors({ 404: NOT_FOUND })
  fetch(
    @Param() { group }: GroupNameParam,
    @Query() q: GroupOrganizationQuery,
    @Body() body: FetchDeliveriesDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<FetchResultDto> {
    // The response closing before it was sent means the client went away (a consumer that died while waiting).
    const gone = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) gone.abort();
    });
    if (req.raw.socket?.destroyed) gone.abort();
    return this.commands.execute(
      new FetchDeliveriesCommand(group, q.organizationId, body.consumer, body.max ?? 100, body.waitMs ?? 10_000, gone.signal),
    );
  }

  @Post(':group/ack')
  @HttpCode(200)
  @Roles('writer')
  @ApiOperation({
    summary: 'Acknowledge deliveries: the events are done',
    description: 'Ids no longer the consumer’s are answered as `stale`.',
  })
  @ApiOkResponse({ type: AckResultDto })
  @ApiErrors({ 404: NOT_FOUND })
  ack(@Param() { group }: GroupNameParam, @Query() q: GroupOrganizationQuery, @Body() body: AckDeliveriesDto): Promise<AckResultDto> {
    return this.commands.execute(new AckDeliveriesCommand(group, q.organizationId, body.deliveryIds, body.consumer ?? null));
  }

  @Post(':group/nack')
  @HttpCode(200)
  @Roles('writer')
  @ApiOperation({
    summary: 'Refuse deliveries: retried after a backoff, parked after maxAttempts (or at once with `park`)',
  })
  @ApiOkResponse({ type: NackResultDto })
  @ApiErrors({ 404: NOT_FOUND })
  nack(@Param() { group }: GroupNameParam, @Query() q: GroupOrganizationQuery, @Body() body: NackDeliveriesDto): Promise<NackResultDto> {
    return this.commands.execute(
      new NackDeliveriesCommand(group, q.organizationId, body.deliveryIds, {
        consumer: body.consumer ?? null,
        reason: body.reason,
        park: body.park,
      }),
    );
  }

  @Get(':group/parked')
  @Roles('reader')
  @ApiOperation({ summary: 'Events the group parked (most recent first)' })
  @ApiOkResponse({ type: ParkedListDto })
  @ApiErrors({ 404: NOT_FOUND })
  async parked(@Param() { group }: GroupNameParam, @Query() q: GroupOrganizationQuery): Promise<ParkedListDto> {
    const { parked, parkedCount } = await this.queries.execute(
      new ListParkedEventsQuery({ kind: 'group', name: group, organizationId: q.organizationId }),
    );
    return { parked, parkedCount };
  }

  @Post(':group/parked/:eventId/replay')
  @HttpCode(204)
  @Roles('admin')
  @ApiOperation({ summary: 'Deliver a parked event again (from its first attempt), ahead of its aggregate’s other pending events' })
  @ApiNoContentResponse({ description: 'Back among the pending events' })
  @ApiErrors({ 404: `${NOT_FOUND}, or PARKED_EVENT.NOT_FOUND` })
  async replay(@Param() p: GroupParkedEventParam, @Query() q: GroupOrganizationQuery): Promise<void> {
    await this.commands.execute(
      new ReplayParkedEventCommand({ kind: 'group', name: p.group, organizationId: q.organizationId }, p.eventId),
    );
  }

  @Post(':group/parked/:eventId/skip')
  @HttpCode(204)
  @Roles('admin')
  @ApiOperation({ summary: 'Give up on a parked event: it leaves the parked list, never delivered again' })
  @ApiNoContentResponse({ description: 'Skipped' })
  @ApiErrors({ 404: `${NOT_FOUND}, or PARKED_EVENT.NOT_FOUND` })
  async skip(@Param() p: GroupParkedEventParam, @Query() q: GroupOrganizationQuery): Promise<void> {
    await this.commands.execute(new SkipParkedEventCommand({ kind: 'group', name: p.group, organizationId: q.organizationId }, p.eventId));
  }
}
