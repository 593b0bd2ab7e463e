import { Injectable } from '@nestjs/common';

export interface ReadinessResult {
  up: boolean;
  /** Shown under the check's name in /health/ready; keep it small and free of secrets. */
  details?: Record<string, unknown>;
}

/** Must settle quickly: a check still pending after READINESS_CHECK_TIMEOUT_MS counts as down. */
export type ReadinessCheck = () => Promise<ReadinessResult>;

export const READINESS_CHECK_TIMEOUT_MS = 3000;
const RESERVED = new Set(['elasticsearch']);

/**
 * Checks that /health/ready runs besides Elasticsearch. Modules (event store, projections) register
 * theirs at start-up, e.g. in onModuleInit: `registry.register('eventStore', async () => ({ up: await store.isReady() }))`.
 */
@Injectable()
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  /** Registers a named check; returns a function that removes it. Names are unique. */
  register(name: string, check: ReadinessCheck): () => void {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name))
      throw new Error(`Invalid readiness check name "${name}": use 1-64 letters, digits, ".", "_" or "-"`);
    if (RESERVED.has(name) || this.checks.has(name)) throw new Error(`A readiness check named "${name}" is already registered`);
    this.checks.set(name, check);
    return () => {
      if (this.checks.get(name) === check) this.checks.delete(name);
    };
  }

  entries(): ReadonlyArray<readonly [string, ReadinessCheck]> {
    return [...this.checks.entries()];
  }
}

/** Runs a check with a deadline; a throw or a timeout is a down result, never an exception. */
export async function runReadinessCheck(check: ReadinessCheck, timeoutMs = READINESS_CHECK_TIMEOUT_MS): Promise<ReadinessResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ReadinessResult>((resolve) => {
    timer = setTimeout(() => resolve({ up: false, details: { message: `timed out after ${timeoutMs} ms` } }), timeoutMs);
  });
  try {
    return await Promise.race([
      check().catch((error: unknown) => ({ up: false, details: { message: error instanceof Error ? error.message : String(error) } })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
