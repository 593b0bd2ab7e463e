import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { AppendResult } from '@gyroscops/event-store';
import { Roles } from '../../auth/access.decorators';
import { ApiIdempotencyKey, CommandId } from '../../common/commands/command-id';
import { HistoryEntryDto } from '../../common/dto/history.dto';
import { ReplayQueryDto } from '../../common/dto/replay-query.dto';
import { ApiErrors } from '../../common/openapi/api-errors.decorator';
import { ApiProjectionRead, MinPosition, readYourWriteLink } from '../../common/read-models/min-position';
import { instantOf, timeRangeOf } from '../../common/time/time-bound';
import {
  AddInvoiceLineDto,
  CreateInvoiceDto,
  GetInvoiceQueryDto,
  InvoiceCommandResultDto,
  InvoiceDto,
  InvoiceIdParam,
  InvoicePageDto,
  InvoiceReplayDto,
  ListInvoicesQueryDto,
  VoidInvoiceDto,
} from './billing.dto';
import { DecideInvoiceCommand } from './commands/decide-invoice/decide-invoice.command';
import type { InvoiceCommand } from './domain/invoice.decider';
import { GetInvoiceQuery } from './queries/get-invoice/get-invoice.query';
import { InvoiceHistoryQuery } from './queries/invoice-history/invoice-history.query';
import { ListInvoicesQuery } from './queries/list-invoices/list-invoices.query';
import { ReplayInvoiceQuery } from './queries/replay-invoice/replay-invoice.query';

class InvoiceHistoryDto {
  @ApiProperty() invoiceId!: string;
  @ApiProperty({ type: [HistoryEntryDto], description: 'Oldest first' }) history!: HistoryEntryDto[];
}

/** The answer to a command, from what it recorded (also when an Idempotency-Key repeat replays it). */
function resultOf(r: AppendResult): InvoiceCommandResultDto {
  const last = r.events[r.events.length - 1].eventData;
  return {
    invoiceId: r.aggregateId,
    status: String(last.status ?? 'draft'),
    ...(typeof last.lineId === 'string' ? { lineId: last.lineId, amount: String(last.amount) } : {}),
    ...(typeof last.total === 'string' ? { total: last.total } : {}),
    version: r.version,
    position: r.position,
  };
}

@ApiTags('invoices')
@Controller('v1/invoices')
export class BillingController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  /** The commands of the API: each appends at least one event (or is refused). */
  private async decide(
    commandId: string,
    command: Exclude<InvoiceCommand, { kind: 'ApplyInvoicePayment' }>,
  ): Promise<InvoiceCommandResultDto> {
    return resultOf(await this.commands.execute(new DecideInvoiceCommand(commandId, command)));
  }

  @Post()
  @HttpCode(201)
  @Roles('writer')
  @ApiIdempotencyKey()
  @ApiOperation({ summary: 'Open a draft invoice for a billing period and currency (InvoiceCreated)' })
  @ApiCreatedResponse({ type: InvoiceCommandResultDto, links: readYourWriteLink('BillingController_get', 'invoiceId') })
  @ApiErrors({ 409: 'INVOICE.ALREADY_EXISTS' })
  async create(@Body() body: CreateInvoiceDto, @CommandId() commandId: string): Promise<InvoiceCommandResultDto> {
    const invoiceId = body.invoiceId ?? `inv-${randomUUID()}`;
    return this.decide(commandId, { kind: 'CreateInvoice', invoiceId, period: body.period, currency: body.currency });
  }

  @Post(':id/lines')
  @HttpCode(201)
  @Roles('writer')
  @ApiIdempotencyKey()
  @ApiOperation({
    summary: 'Add a line to a draft: quantity × unit price, rounded half to even to the currency precision (InvoiceLineAdded)',
  })
  @ApiCreatedResponse({ type: InvoiceCommandResultDto })
  @ApiErrors({
    404: 'INVOICE.NOT_FOUND',
    409:
      'INVOICE.ALREADY_ISSUED, INVOICE.VOIDED, INVOICE.CURRENCY_MISMATCH, INVOICE.DUPLICATE_LINE, INVOICE.TOO_MANY_LINES, ' +
      'INVOICE.INVALID_AMOUNT (more decimals than the invoice currency), INVOICE.AMOUNT_TOO_LARGE',
  })
  async addLine(
    @Param() { id }: InvoiceIdParam,
    @Body() body: AddInvoiceLineDto,
    @CommandId() commandId: string,
  ): Promise<InvoiceCommandResultDto> {
    // Derived from the command id: an Idempotency-Key repeat names the same line.
    const lineId = body.lineId ?? `line-${commandId.replace(/-/g, '').slice(0, 16)}`;
    const cloudResource = body.cloudResource
      ? {
          resourceType: body.cloudResource.resourceType,
          ...(body.cloudResource.resourceId ? { resourceId: body.cloudResource.resourceId } : {}),
        }
      : undefined;
    return this.decide(commandId, {
      kind: 'AddInvoiceLine',
      invoiceId: id,
      line: {
        lineId,
        description: body.description,
        quantity: body.quantity,
        unitPrice: body.unitPrice,
        currency: body.currency,
        cloudResource,
      },
    });
  }

  @Post(':id/issue')
  @HttpCode(200)
  @Roles('writer')
  @ApiIdempotencyKey()
  @ApiOperation({ summary: 'Issue the invoice: no line can be added after (InvoiceIssued)' })
  @ApiOkResponse({ type: InvoiceCommandResultDto })
  @ApiErrors({ 404: 'INVOICE.NOT_FOUND', 409: 'INVOICE.EMPTY, INVOICE.ALREADY_ISSUED, INVOICE.VOIDED' })
  async issue(@Param() { id }: InvoiceIdParam, @CommandId() commandId: string): Promise<InvoiceCommandResultDto> {
    return this.decide(commandId, { kind: 'IssueInvoice', invoiceId: id });
  }

  @Post(':id/void')
  @HttpCode(200)
  @Roles('writer')
  @ApiIdempotencyKey()
  @ApiOperation({ summary: 'Void a draft or an unpaid issued invoice (InvoiceVoided)' })
  @ApiOkResponse({ type: InvoiceCommandResultDto })
  @ApiErrors({ 404: 'INVOICE.NOT_FOUND', 409: 'INVOICE.VOIDED, INVOICE.ALREADY_PAID, INVOICE.HAS_PAYMENTS' })
  async void(
    @Param() { id }: InvoiceIdParam,
    @Body() body: VoidInvoiceDto,
    @CommandId() commandId: string,
  ): Promise<InvoiceCommandResultDto> {
    return this.decide(commandId, { kind: 'VoidInvoice', invoiceId: id, reason: body.reason });
  }

  @Get()
  @Roles('reader')
  @ApiProjectionRead()
  @ApiOperation({
    summary: "The caller's organization's invoices, newest first, by status, period, currency and creation time (read model)",
  })
  @ApiOkResponse({ type: InvoicePageDto })
  async list(@Query() q: ListInvoicesQueryDto, @MinPosition() minPosition: number | undefined) {
    return this.queries.execute(
      new ListInvoicesQuery({
        status: q.status,
        period: q.period,
        currency: q.currency,
        range: timeRangeOf(q),
        size: q.size,
        cursor: q.cursor,
        minPosition,
      }),
    );
  }

  @Get(':id')
  @Roles('reader')
  @ApiProjectionRead()
  @ApiOperation({ summary: 'An invoice with its lines, totals and payments (read model)' })
  @ApiOkResponse({ type: InvoiceDto })
  @ApiErrors({ 404: 'INVOICE.NOT_FOUND' })
  async get(@Param() { id }: InvoiceIdParam, @Query() _q: GetInvoiceQueryDto, @MinPosition() minPosition: number | undefined) {
    return this.queries.execute(new GetInvoiceQuery(id, minPosition));
  }

  @Get(':id/history')
  @Roles('reader')
  @ApiOperation({ summary: "The invoice's events, oldest first (audit trail)" })
  @ApiOkResponse({ type: InvoiceHistoryDto })
  @ApiErrors({ 404: 'INVOICE.NOT_FOUND' })
  async history(@Param() { id }: InvoiceIdParam): Promise<InvoiceHistoryDto> {
    return this.queries.execute(new InvoiceHistoryQuery(id));
  }

  @Get(':id/replay')
  @Roles('reader')
  @ApiOperation({ summary: "The invoice's state rebuilt from its events as of a version or an RFC 3339 instant" })
  @ApiOkResponse({ type: InvoiceReplayDto })
  @ApiErrors({ 404: 'INVOICE.NOT_FOUND (unknown, or not yet created at that moment)' })
  async replay(@Param() { id }: InvoiceIdParam, @Query() q: ReplayQueryDto) {
    return this.queries.execute(new ReplayInvoiceQuery(id, q.version, q.at !== undefined ? instantOf(q.at) : undefined));
  }
}
