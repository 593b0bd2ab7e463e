import type { JsonObject, NewEvent, StoredEvent, WriteContext } from '@gyroscops/event-store';
import { Rng } from './random';

/**
 * Deterministic benchmark data: Payment, Invoice and Workflow streams whose events look like the real ones
 * (nested objects, free text, amounts in decimal strings and integer minor units), about 1 KB per envelope,
 * written by 500 users across 20 organizations (a few large organizations, many small ones), over 30 days.
 */

export const ORGANIZATIONS = 20;
export const USERS = 500;
const DAYS = 30;
const START = Date.UTC(2025, 0, 6, 8, 0, 0);

export type AggregateType = 'Payment' | 'Invoice' | 'Workflow';

export interface GeneratedStream {
  aggregateId: string;
  aggregateType: AggregateType;
  organizationId: string;
  userId: string;
  correlationId: string;
  events: NewEvent[];
  /** When each event happened in the simulated history (spread over days); also in its metadata. */
  occurredAt: string[];
}

const PRODUCTS = [
  'subscription',
  'license',
  'consulting',
  'hosting',
  'storage',
  'bandwidth',
  'support',
  'training',
  'audit',
  'migration',
  'integration',
  'analytics',
  'backup',
  'monitoring',
  'firewall',
  'database',
  'gateway',
  'connector',
  'dashboard',
  'pipeline',
  'scheduler',
  'workflow',
  'mailbox',
  'domain',
  'certificate',
  'onboarding',
  'maintenance',
  'hardware',
  'router',
  'sensor',
  'printer',
  'laptop',
  'monitor',
  'keyboard',
  'headset',
  'camera',
  'tablet',
  'server',
  'switch',
  'cable',
];
const ADJECTIVES = [
  'annual',
  'monthly',
  'quarterly',
  'premium',
  'standard',
  'basic',
  'enterprise',
  'urgent',
  'recurring',
  'discounted',
  'express',
  'extended',
  'partial',
  'final',
  'initial',
  'regional',
  'global',
  'dedicated',
  'shared',
  'managed',
];
const CITIES = [
  'Paris',
  'Lyon',
  'Marseille',
  'Lille',
  'Nantes',
  'Bordeaux',
  'Toulouse',
  'Strasbourg',
  'Rennes',
  'Grenoble',
  'Berlin',
  'Munich',
  'Hamburg',
  'Madrid',
  'Barcelona',
  'Lisbon',
  'Porto',
  'Milan',
  'Turin',
  'Rome',
  'Brussels',
  'Antwerp',
  'Amsterdam',
  'Rotterdam',
  'Dublin',
  'London',
  'Manchester',
  'Zurich',
  'Geneva',
  'Vienna',
];
const COUNTRIES = ['FR', 'DE', 'ES', 'PT', 'IT', 'BE', 'NL', 'IE', 'GB', 'CH', 'AT'];
const FIRST = [
  'Alice',
  'Bruno',
  'Chloe',
  'David',
  'Emma',
  'Farid',
  'Gaelle',
  'Hugo',
  'Ines',
  'Jules',
  'Karim',
  'Lea',
  'Marc',
  'Nora',
  'Oscar',
  'Paula',
];
const LAST = [
  'Martin',
  'Bernard',
  'Dubois',
  'Thomas',
  'Robert',
  'Richard',
  'Petit',
  'Durand',
  'Leroy',
  'Moreau',
  'Simon',
  'Laurent',
  'Lefebvre',
  'Michel',
];
const STREETS = [
  'rue de la Paix',
  'avenue Victor Hugo',
  'boulevard Voltaire',
  'rue du Commerce',
  'quai des Chartrons',
  'place Bellecour',
  'rue Nationale',
];
const CURRENCIES = ['EUR', 'EUR', 'EUR', 'EUR', 'USD', 'USD', 'GBP', 'CHF'];
const BRANDS = ['visa', 'mastercard', 'amex', 'cb'];
const METHODS = ['card', 'card', 'card', 'sepa_debit', 'bank_transfer', 'wallet'];
const PROCESSORS = ['stripe', 'adyen', 'worldline', 'checkout'];
const STEP_KINDS = ['http', 'transform', 'email', 'approval', 'wait', 'script', 'export', 'import'];
const CHANNELS = ['web', 'mobile', 'api', 'batch', 'backoffice'];
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4)',
  'okhttp/4.12.0',
  'python-requests/2.31',
  'Go-http-client/2.0',
];
const FAIL_REASONS = [
  'insufficient_funds',
  'card_declined',
  'expired_card',
  'fraud_suspected',
  'processing_error',
  'authentication_required',
];

// Event names are the bench's own, distinct from the domain modules' contracts (PaymentProcessed, InvoiceIssued,
// WorkflowStarted...), so their projections and sagas never try to fold these payloads.
const LIFECYCLE: Record<AggregateType, { first: string; middle: string[]; last: string[] }> = {
  Payment: {
    first: 'PaymentInitiated',
    middle: ['PaymentAuthorized', 'PaymentCaptured', 'PaymentRefundRequested', 'PaymentCaptured'],
    last: ['PaymentSettled', 'PaymentFailed'],
  },
  Invoice: {
    first: 'InvoiceDrafted',
    middle: ['InvoiceLineItemAdded', 'InvoiceLineItemAdded', 'InvoiceSent', 'InvoiceReminderSent'],
    last: ['InvoicePaid', 'InvoiceCancelled'],
  },
  Workflow: {
    first: 'WorkflowRunStarted',
    middle: ['StepStarted', 'StepCompleted', 'StepStarted', 'StepCompleted', 'StepFailed'],
    last: ['WorkflowRunCompleted', 'WorkflowRunFailed'],
  },
};

/** Every event type the generator produces. */
export const EVENT_TYPES: readonly string[] = [...new Set(Object.values(LIFECYCLE).flatMap((l) => [l.first, ...l.middle, ...l.last]))];

/** Words the free-text queries use: present in descriptions with known frequencies. */
export const SEARCH_WORDS = { common: ADJECTIVES.slice(0, 6), products: PRODUCTS, cities: CITIES };

export class DataGenerator {
  readonly organizations: string[];
  readonly users: { userId: string; organizationId: string }[];
  private readonly orgWeights: number[];
  private readonly usersByOrg: Map<string, string[]>;

  constructor(readonly seed: string) {
    this.organizations = Array.from({ length: ORGANIZATIONS }, (_, i) => `org-${String(i + 1).padStart(2, '0')}`);
    this.users = Array.from({ length: USERS }, (_, i) => ({
      userId: `usr-${String(i + 1).padStart(3, '0')}`,
      organizationId: this.organizations[i % ORGANIZATIONS],
    }));
    this.usersByOrg = new Map(this.organizations.map((o) => [o, this.users.filter((u) => u.organizationId === o).map((u) => u.userId)]));
    // Zipf-like: the largest organization writes about ten times more than the smallest.
    let sum = 0;
    this.orgWeights = this.organizations.map((_, i) => (sum += 1 / Math.pow(i + 1, 0.8)));
  }

  /** The stream named `key` (unique per run and scenario), `length` events long. Same key, same stream. */
  stream(key: string, length: number, forcedType?: AggregateType): GeneratedStream {
    const rng = new Rng(`${this.seed}:${key}`);
    const aggregateType = forcedType ?? rng.pick<AggregateType>(['Payment', 'Payment', 'Invoice', 'Workflow']);
    const organizationId = this.organizations[rng.weighted(this.orgWeights)];
    const userId = rng.pick(this.usersByOrg.get(organizationId) as string[]);
    const aggregateId = `${aggregateType.toLowerCase()}-${key}`;
    const correlationId = rng.uuid();
    const life = LIFECYCLE[aggregateType];
    let t = START + Math.floor(rng.next() * DAYS * 86_400_000);
    const events: NewEvent[] = [];
    const occurredAt: string[] = [];
    const state = new StreamState(rng, aggregateType, aggregateId);
    for (let i = 0; i < length; i++) {
      const eventType = i === 0 ? life.first : i === length - 1 && length > 2 ? rng.pick(life.last) : rng.pick(life.middle);
      t += rng.int(1_000, 4 * 3_600_000);
      const at = new Date(t).toISOString();
      occurredAt.push(at);
      events.push({
        eventId: rng.uuid(),
        eventType,
        eventData: state.data(eventType, i),
        metadata: {
          occurredAt: at,
          channel: rng.pick(CHANNELS),
          ip: `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
          userAgent: rng.pick(AGENTS),
          requestId: `req_${rng.hex(16)}`,
          client: { app: 'gyroscops-console', version: `3.${rng.int(0, 14)}.${rng.int(0, 9)}` },
        },
      });
    }
    return { aggregateId, aggregateType, organizationId, userId, correlationId, events, occurredAt };
  }

  /** The write context the service would build for this stream's author. */
  context(s: GeneratedStream): WriteContext {
    return {
      correlationId: s.correlationId,
      causationId: null,
      userId: s.userId,
      organizationId: s.organizationId,
      source: 'bench',
      isAdmin: false,
    };
  }

  /**
   * The envelopes the store would store for `events` of stream `s` (the same fields, built the same way), for the
   * raw baseline: timestamps are the simulated history's, positions come from the caller.
   */
  envelopes(s: GeneratedStream, fromIndex: number, count: number, firstPosition: number): StoredEvent[] {
    const out: StoredEvent[] = [];
    for (let i = fromIndex; i < fromIndex + count; i++) {
      const e = s.events[i];
      out.push({
        eventId: (e.eventId as string).toLowerCase(),
        aggregateId: s.aggregateId,
        aggregateType: s.aggregateType,
        eventType: e.eventType,
        eventData: e.eventData,
        version: i + 1,
        position: firstPosition + (i - fromIndex),
        timestamp: s.occurredAt[i],
        correlationId: s.correlationId,
        causationId: null,
        schemaVersion: 1,
        metadata: { ...(e.metadata ?? {}), userId: s.userId, organizationId: s.organizationId, source: 'bench' },
      });
    }
    return out;
  }
}

/** What a stream's events share (its payer, currency, invoice number...), so a stream reads like one story. */
class StreamState {
  private readonly currency: string;
  private readonly customer: JsonObject;
  private readonly product: string;
  private readonly adjective: string;
  private readonly city: string;
  private readonly reference: string;
  private amountMinor: number;
  private step = 0;

  constructor(
    private readonly rng: Rng,
    private readonly type: AggregateType,
    private readonly id: string,
  ) {
    this.currency = rng.pick(CURRENCIES);
    this.product = rng.pick(PRODUCTS);
    this.adjective = rng.pick(ADJECTIVES);
    this.city = rng.pick(CITIES);
    const first = rng.pick(FIRST);
    const last = rng.pick(LAST);
    this.customer = {
      customerId: `cus_${rng.hex(14)}`,
      name: `${first} ${last}`,
      email: `${first.toLowerCase()}.${last.toLowerCase()}@example.com`,
      address: {
        line1: `${rng.int(1, 180)} ${rng.pick(STREETS)}`,
        city: this.city,
        postcode: String(rng.int(10000, 99999)),
        country: rng.pick(COUNTRIES),
      },
    };
    this.reference = `${type.slice(0, 3).toUpperCase()}-2025-${String(rng.int(1, 999999)).padStart(6, '0')}`;
    this.amountMinor = rng.int(500, 2_500_000);
  }

  private money(minor: number): { amount: string; amountMinor: number; currency: string } {
    return { amount: (minor / 100).toFixed(2), amountMinor: minor, currency: this.currency };
  }

  private description(): string {
    const r = this.rng;
    return `${this.adjective} ${this.product} for ${this.customer.name as string} in ${this.city}, ${r.pick(ADJECTIVES)} ${r.pick(PRODUCTS)} included`;
  }

  private line(): JsonObject {
    const r = this.rng;
    const product = r.pick(PRODUCTS);
    return {
      sku: `SKU-${r.hex(6).toUpperCase()}`,
      description: `${r.pick(ADJECTIVES)} ${product}`,
      quantity: r.int(1, 12),
      unitPriceMinor: r.int(100, 90_000),
      taxRate: r.pick([0, 5.5, 10, 20]),
    };
  }

  data(eventType: string, index: number): JsonObject {
    const r = this.rng;
    switch (this.type) {
      case 'Payment': {
        const base = {
          paymentId: this.id,
          reference: this.reference,
          ...this.money(index === 0 ? this.amountMinor : r.int(100, this.amountMinor)),
        };
        if (eventType === 'PaymentInitiated')
          return {
            ...base,
            description: this.description(),
            method: {
              type: r.pick(METHODS),
              brand: r.pick(BRANDS),
              last4: String(r.int(1000, 9999)),
              expMonth: r.int(1, 12),
              expYear: r.int(2025, 2031),
            },
            payer: this.customer,
            items: [this.line(), this.line()],
            riskScore: Math.round(r.next() * 1000) / 1000,
          };
        if (eventType === 'PaymentFailed')
          return {
            ...base,
            status: 'failed',
            failure: {
              code: r.pick(FAIL_REASONS),
              message: `The ${this.product} payment was declined by the issuer`,
              processor: r.pick(PROCESSORS),
            },
            attempt: r.int(1, 3),
            description: this.description(),
          };
        return {
          ...base,
          status: eventType.replace('Payment', '').toLowerCase(),
          processor: { name: r.pick(PROCESSORS), transactionId: `txn_${r.hex(20)}`, responseCode: '00', latencyMs: r.int(40, 1800) },
          fee: { amountMinor: r.int(10, 900), currency: this.currency },
          settlement: { batchId: `bat_${r.hex(10)}`, expectedInDays: r.int(1, 5) },
          description: this.description(),
          payer: { customerId: this.customer.customerId, name: this.customer.name, email: this.customer.email },
        };
      }
      case 'Invoice': {
        const base = { invoiceId: this.reference, customer: this.customer, period: `2025-${String(r.int(1, 12)).padStart(2, '0')}` };
        if (eventType === 'InvoiceDrafted')
          return {
            ...base,
            totalMinor: this.amountMinor,
            ...this.money(this.amountMinor),
            dueInDays: r.pick([15, 30, 45, 60]),
            lines: [this.line(), this.line()],
            notes: this.description(),
          };
        if (eventType === 'InvoiceLineItemAdded') return { ...base, line: this.line(), notes: this.description() };
        if (eventType === 'InvoicePaid')
          return { ...base, ...this.money(this.amountMinor), status: 'paid', paymentId: `payment-${r.hex(8)}`, notes: this.description() };
        return {
          ...base,
          status: eventType.replace('Invoice', '').toLowerCase(),
          channel: r.pick(['email', 'post', 'portal']),
          template: `invoice-${r.pick(['fr', 'en', 'de'])}-v${r.int(1, 4)}`,
          notes: this.description(),
        };
      }
      case 'Workflow': {
        this.step += eventType === 'StepStarted' ? 1 : 0;
        const base = {
          workflowId: this.id,
          definition: { name: `${this.adjective}-${this.product}-sync`, version: r.int(1, 9) },
          description: this.description(),
        };
        if (eventType === 'WorkflowRunStarted')
          return {
            ...base,
            trigger: { kind: r.pick(['schedule', 'webhook', 'manual']), by: this.customer.name },
            input: { source: `${this.city.toLowerCase()}-erp`, batchSize: r.int(10, 5000), dryRun: r.next() < 0.1 },
          };
        const step = { stepId: `step-${this.step}`, stepKind: r.pick(STEP_KINDS), attempt: r.int(1, 3) };
        if (eventType === 'StepStarted')
          return { ...base, ...step, input: { records: r.int(1, 10_000), target: `${r.pick(PRODUCTS)}-${r.hex(4)}` } };
        if (eventType === 'StepFailed')
          return {
            ...base,
            ...step,
            status: 'failed',
            error: { code: `E${r.int(100, 999)}`, message: `Timeout while calling the ${r.pick(PRODUCTS)} connector` },
            durationMs: r.int(50, 120_000),
          };
        return {
          ...base,
          ...step,
          status: eventType === 'StepCompleted' ? 'completed' : eventType.replace('WorkflowRun', '').toLowerCase(),
          durationMs: r.int(5, 600_000),
          output: { processed: r.int(0, 10_000), skipped: r.int(0, 50) },
        };
      }
    }
  }
}
