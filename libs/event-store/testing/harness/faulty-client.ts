import { connectionError, timeoutError, tooManyRequests, unavailable } from './es-client-errors';
import type { Fault, FaultKind, FaultPlan } from './faults';
import type { Interleaver } from './interleaver';

/** The part of the official client the event store calls (a real Client or the in-process model). */
export interface EsClientLike {
  get(params: object, options?: object): Promise<unknown>;
  mget(params: object, options?: object): Promise<unknown>;
  index(params: object, options?: object): Promise<unknown>;
  bulk(params: object, options?: object): Promise<unknown>;
  search(params: object, options?: object): Promise<unknown>;
  delete(params: object, options?: object): Promise<unknown>;
  indices: object;
  cluster: object;
  close(): Promise<void>;
}

type Method = 'get' | 'mget' | 'index' | 'bulk' | 'search' | 'delete';

type BulkItem = Record<string, { _index?: string; _id?: string; status: number; error?: unknown }>;

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Splits bulk operations into items: an action line, and its document unless it is a delete. */
function bulkItems(operations: unknown[]): unknown[][] {
  const items: unknown[][] = [];
  for (let i = 0; i < operations.length;) {
    const action = Object.keys(operations[i] as object)[0];
    const size = action === 'delete' ? 1 : 2;
    items.push(operations.slice(i, i + size));
    i += size;
  }
  return items;
}

/**
 * Wraps one store instance's Elasticsearch client and injects faults from a plan: each request passes the
 * interleaver on its way in and on its way back (so requests and answers are delayed and reordered), and may be
 * refused before applying, applied with its answer lost or turned into an error, applied twice, stalled, or
 * swallowed by the death of the instance. Otherwise transparent: the same calls, the same answers.
 */
export class FaultyClient {
  readonly injected: Partial<Record<FaultKind, number>> = {};
  /** Settles when the instance dies (never for one that lives). */
  readonly died: Promise<void>;
  private markDead!: () => void;
  private killed = false;
  private armed = false;
  /** Requests handed to the backend whose answer has not come back (a dead instance's too: they still apply). */
  private inFlight = 0;
  private readonly quietWaiters: (() => void)[] = [];
  readonly indices: object;
  readonly cluster: object;

  constructor(
    private readonly target: EsClientLike,
    private readonly plan: FaultPlan,
    private readonly interleaver: Interleaver,
    readonly name: string,
  ) {
    // Set-up and health calls pass through untouched: the workload starts once the indices exist.
    const bound = (ns: object) =>
      new Proxy(ns, {
        get: (t, k) => (typeof Reflect.get(t, k) === 'function' ? (Reflect.get(t, k) as () => unknown).bind(t) : Reflect.get(t, k)),
      });
    this.indices = bound(target.indices);
    this.cluster = bound(target.cluster);
    this.died = new Promise((r) => (this.markDead = r));
  }

  /** Faults and interleaving start here: before, the client is a plain pass-through (set-up). */
  arm(): void {
    this.armed = true;
  }

  get dead(): boolean {
    return this.killed;
  }

  /** Resolves once no request is in flight at the backend (so nothing lands after the harness cleans up). */
  quiet(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((r) => this.quietWaiters.push(r));
  }

  /** The instance dies now: answers in flight and later requests never settle. */
  kill(): void {
    this.killed = true;
    this.markDead();
  }

  get = (params: object, options?: object) => this.call('get', params, options);
  mget = (params: object, options?: object) => this.call('mget', params, options);
  index = (params: object, options?: object) => this.call('index', params, options);
  bulk = (params: object, options?: object) => this.call('bulk', params, options);
  search = (params: object, options?: object) => this.call('search', params, options);
  delete = (params: object, options?: object) => this.call('delete', params, options);

  async close(): Promise<void> {}

  private async call(method: Method, params: object, options?: object): Promise<unknown> {
    if (!this.armed) return this.target[method](params, options);
    if (this.killed) return never();
    const fault = this.plan.next(method);
    if (fault.kind !== 'none') this.injected[fault.kind] = (this.injected[fault.kind] ?? 0) + 1;
    await this.interleaver.gate(`${this.name} ${method} sent`);
    if (fault.kind === 'stall' && fault.phase === 'before') await sleep(fault.ms);
    if (this.killed) return never();
    if (fault.kind === 'kill' && fault.phase === 'before') {
      this.kill();
      return never();
    }
    if (fault.kind === 'reject-before') throw fault.status === 429 ? tooManyRequests() : unavailable();
    if (fault.kind === 'connection-refused') throw connectionError();

    let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
    try {
      let value = await this.apply(method, params, options, fault);
      if (fault.kind === 'resend') value = await this.apply(method, params, options, fault);
      outcome = { ok: true, value };
    } catch (error) {
      outcome = { ok: false, error };
    }
    if (fault.kind === 'kill') this.kill();
    if (this.killed) return never();

    await this.interleaver.gate(`${this.name} ${method} answered`);
    if (fault.kind === 'stall' && fault.phase === 'after') await sleep(fault.ms);
    if (this.killed) return never();
    if (fault.kind === 'lose-response') throw fault.as === 'timeout' ? timeoutError() : connectionError();
    if (fault.kind === 'fail-after') throw fault.status === 429 ? tooManyRequests() : unavailable();
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  private async apply(method: Method, params: object, options: object | undefined, fault: Fault): Promise<unknown> {
    this.inFlight++;
    try {
      return await this.send(method, params, options, fault);
    } finally {
      if (--this.inFlight === 0) for (const wake of this.quietWaiters.splice(0)) wake();
    }
  }

  private async send(method: Method, params: object, options: object | undefined, fault: Fault): Promise<unknown> {
    if (method === 'bulk' && fault.kind === 'bulk-item-429')
      return this.bulkWithRefusals(params as { operations: unknown[] }, options, fault.everyNth);
    return this.target[method](params, options);
  }

  /** Items at every n-th place are refused with 429 (not applied); the rest go to Elasticsearch as one bulk. */
  private async bulkWithRefusals(params: { operations: unknown[] }, options: object | undefined, everyNth: number): Promise<unknown> {
    const items = bulkItems(params.operations);
    const refused = (i: number) => i % everyNth === 0;
    const kept = items.filter((_, i) => !refused(i));
    const answered =
      kept.length > 0 ? ((await this.target.bulk({ ...params, operations: kept.flat() }, options)) as { items: BulkItem[] }).items : [];
    let k = 0;
    const merged = items.map((item, i): BulkItem => {
      if (!refused(i)) return answered[k++];
      const [action, meta] = Object.entries(item[0] as Record<string, { _index?: string; _id?: string }>)[0];
      const error = tooManyRequests().body as { error: unknown };
      return { [action]: { _index: meta._index, _id: meta._id, status: 429, error: error.error } };
    });
    return { errors: true, took: 1, items: merged };
  }
}
