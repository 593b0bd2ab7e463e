import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { AppendResult } from '@gyroscops/event-store';
import { ApiMinPosition } from '@gyroscops/projections';
import { Roles } from '../../auth/access.decorators';
import { ReplayQueryDto } from '../../common/dto/replay-query.dto';
import { CommandId } from '../../common/commands/command-id';
import { StoreWakeUp } from '../events/store-wake-up';
import {
  AddInvoiceLineDto,
  CreateInvoiceDto,
  GetInvoiceQueryDto,
  InvoiceCommandResultDto,
  InvoiceIdParam,
  ListInvoicesQueryDto,
  VoidInvoiceDto,
} from './billing.dto';
import { AddInvoiceLineCommand } from './commands/add-invoice-line/add-invoice-line.command';
import { CreateInvoiceCommand } from './commands/create-invoice/create-invoice.command';
import { IssueInvoiceCommand } from './commands/issue-invoice/issue-invoice.command';
import { VoidInvoiceCommand } from './commands/void-invoice/void-invoice.command';
import { GetInvoiceQuery } from './queries/get-invoice/get-invoice.query';
import { InvoiceHistoryQuery } from './queries/invoice-history/invoice-history.query';
import { ListInvoicesQuery } from './queries/list-invoices/list-invoices.query';
import { ReplayInvoiceQuery } from './queries/replay-invoice/replay-invoice.query';

const IDEMPOTENCY = {
  name: 'Idempotency-Key',
  required: false,
  description: 'A repeat within 24 h returns the first response and records nothing new',
};

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
    private readonly wakeUp: StoreWakeUp,
  ) {}

  private done(r: AppendResult): InvoiceCommandResultDto {
    this.wakeUp.appended(r.position);
    return resultOf(r);
  }

  @Post()
  @HttpCode(201)
  @Roles('writer')
  @ApiHeader(IDEMPOTENCY)
  @ApiOperation({ summary: 'Open a draft invoice for a billing period and currency (InvoiceCreated)' })
  @ApiCreatedResponse({ type: InvoiceCommandResultDto })
  @ApiBadRequestResponse({ description: 'INVOICE.INVALID_PERIOD, MONEY.INVALID (currency)' })
  @ApiConflictResponse({ description: 'INVOICE.ALREADY_EXISTS' })
  async create(@Body() body: CreateInvoiceDto, @CommandId() commandId: string): Promise<InvoiceCommandResultDto> {
    const invoiceId = body.invoiceId ?? `inv-${randomUUID()}`;
    return this.done(await this.commands.execute(new CreateInvoiceCommand(commandId, invoiceId, body.period, body.currency)));
  }

  @Post(':id/lines')
  @HttpCode(201)
  @Roles('writer')
  @ApiHeader(IDEMPOTENCY)
  @ApiOperation({
    summary: 'Add a line to a draft: quantity × unit price, rounded half to even to the currency precision (InvoiceLineAdded)',
  })
  @ApiCreatedResponse({ type: InvoiceCommandResultDto })
  @ApiBadRequestResponse({ description: 'QUANTITY.INVALID, MONEY.INVALID, INVOICE.INVALID_LINE, INVOICE.AMOUNT_TOO_LARGE' })
  @ApiNotFoundResponse({ description: 'INVOICE.NOT_FOUND' })
  @ApiConflictResponse({ description: 'INVOICE.ALREADY_ISSUED, INVOICE.VOIDED, INVOICE.CURRENCY_MISMATCH, INVOICE.DUPLICATE_LINE' })
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
    return this.done(
      await this.commands.execute(
        new AddInvoiceLineCommand(commandId, id, {
          lineId,
          description: body.description,
          quantity: body.quantity,
          unitPrice: body.unitPrice,
          currency: body.currency,
          cloudResource,
        }),
      ),
    );
  }

  @Post(':id/issue')
  @HttpCode(200)
  @Roles('writer')
  @ApiHeader(IDEMPOTENCY)
  @ApiOperation({ summary: 'Issue the invoice: no line can be added after (InvoiceIssued)' })
  @ApiOkResponse({ type: InvoiceCommandResultDto })
  @ApiNotFoundResponse({ description: 'INVOICE.NOT_FOUND' })
  @ApiConflictResponse({ description: 'INVOICE.EMPTY, INVOICE.ALREADY_ISSUED, INVOICE.VOIDED' })
  async issue(@Param() { id }: InvoiceIdParam, @CommandId() commandId: string): Promise<InvoiceCommandResultDto> {
    return this.done(await this.commands.execute(new IssueInvoiceCommand(commandId, id)));
  }

  @Post(':id/void')
  @HttpCode(200)
  @Roles('writer')
  @ApiHeader(IDEMPOTENCY)
  @ApiOperation({ summary: 'Void a draft or an unpaid issued invoice (InvoiceVoided)' })
  @ApiOkResponse({ type: InvoiceCommandResultDto })
  @ApiNotFoundResponse({ description: 'INVOICE.NOT_FOUND' })
  @ApiConflictResponse({ description: 'INVOICE.VOIDED, INVOICE.ALREADY_PAID, INVOICE.HAS_PAYMENTS' })
  async void(
    @Param() { id }: InvoiceIdParam,
    @Body() body: VoidInvoiceDto,
    @CommandId() commandId: string,
  ): Promise<InvoiceCommandResultDto> {
    return this.done(await this.commands.execute(new VoidInvoiceCommand(commandId, id, body.reason)));
  }

  @Get()
  @Roles('reader')
  @ApiMinPosition({ query: false })
  @ApiOperation({ summary: "The caller's organization's invoices, newest first, by status, period and currency (read model)" })
  async list(@Query() q: ListInvoicesQueryDto) {
    return this.queries.execute(
      new ListInvoicesQuery({
        status: q.status,
        period: q.period,
        currency: q.currency,
        size: q.size,
        from: q.from,
        minPosition: q.minPosition,
      }),
    );
  }

  @Get(':id')
  @Roles('reader')
  @ApiMinPosition({ query: false })
  @ApiOperation({ summary: 'An invoice with its lines, totals and payments (read model)' })
  @ApiNotFoundResponse({ description: 'INVOICE.NOT_FOUND' })
  async get(@Param() { id }: InvoiceIdParam, @Query() q: GetInvoiceQueryDto) {
    return this.queries.execute(new GetInvoiceQuery(id, q.minPosition));
  }

  @Get(':id/history')
  @Roles('reader')
  @ApiOperation({ summary: "The invoice's events, oldest first (audit trail)" })
  @ApiNotFoundResponse({ description: 'INVOICE.NOT_FOUND' })
  async history(@Param() { id }: InvoiceIdParam) {
    return this.queries.execute(new InvoiceHistoryQuery(id));
  }

  @Get(':id/replay')
  @Roles('reader')
  @ApiOperation({ summary: "The invoice's state rebuilt from its events as of a version or an ISO time" })
  @ApiNotFoundResponse({ description: 'INVOICE.NOT_FOUND' })
  async replay(@Param() { id }: InvoiceIdParam, @Query() q: ReplayQueryDto) {
    return this.queries.execute(new ReplayInvoiceQuery(id, q.version, q.at ? new Date(q.at) : undefined));
  }
}
