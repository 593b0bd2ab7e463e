import type { EventSourcedRepository } from '@gyroscops/ddd';
import type { InvoiceCommand, InvoiceState } from './domain/invoice.decider';
import type { InvoiceEvent } from './domain/invoice.events';

export const INVOICE_REPOSITORY = Symbol('INVOICE_REPOSITORY');

export type InvoiceRepository = EventSourcedRepository<InvoiceState, InvoiceCommand, InvoiceEvent>;

/**
 * Attempts of commands that many writers may aim at one invoice at once (lines from concurrent sagas, payments):
 * each conflict round lets at least one through, so this bounds the writers that can race without a 409.
 */
export const CONFLICT_ATTEMPTS = 20;
