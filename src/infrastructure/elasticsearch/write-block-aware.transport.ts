import { errors, SniffingTransport } from '@elastic/elasticsearch';
import type { TransportRequestOptions, TransportRequestParams } from '@elastic/transport';

/** The block a backup puts on the store's indices for its consistent snapshot (`index.blocks.write`, add-block API). */
const WRITE_BLOCK = /index write \(api\)/;
/** Longest a write waits for such a block to lift: a backup's pause lasts about a second (README "Backup and restore"). */
export const WRITE_BLOCK_WAIT_MS = 15_000;

/** True for Elasticsearch refusing a write because the index has a write block (not a read-only or disk block). */
export function isWriteBlocked(e: unknown): boolean {
  if (!(e instanceof errors.ResponseError) || e.statusCode !== 403) return false;
  const error = (e.meta?.body as { error?: { type?: unknown; reason?: unknown } } | undefined)?.error;
  return error?.type === 'cluster_block_exception' && typeof error.reason === 'string' && WRITE_BLOCK.test(error.reason);
}

/**
 * The client's transport, with writes refused by a write block retried until the block lifts (at most
 * WRITE_BLOCK_WAIT_MS, never past the caller's abort signal): a backup pauses the store's writes for its consistent
 * snapshot, and every write of the service (lifecycle changes, erasure, projections, consumer groups) then waits as
 * appends do, instead of failing with 503. Other blocks (read-only indices, disk flood stage) fail at once, as before.
 * A `_bulk` is answered 200 with its refused items: its callers see those, as before.
 */
export function writeBlockAwareTransport(openTelemetry: boolean): typeof SniffingTransport {
  return class WriteBlockAwareTransport extends SniffingTransport {
    constructor(options: ConstructorParameters<typeof SniffingTransport>[0]) {
      super(openTelemetry ? options : { ...options, openTelemetry: { enabled: false } });
    }

    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the base method's overloads answer any of three shapes
    async request(params: TransportRequestParams, options: TransportRequestOptions = {}): Promise<any> {
      const until = Date.now() + WRITE_BLOCK_WAIT_MS;
      for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
        try {
          return await super.request(params, options);
        } catch (e) {
          if (!isWriteBlocked(e) || options.signal?.aborted || Date.now() + delay > until) throw e;
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    }
  };
}
