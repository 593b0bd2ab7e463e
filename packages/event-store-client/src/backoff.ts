export interface BackoffOptions {
  /** First delay (ms); doubles with each attempt. */
  baseMs?: number;
  /** Longest delay (ms). */
  maxMs?: number;
}

/** Exponential backoff with jitter (between half and all of the delay), so that many clients do not retry in step. */
export function backoffDelay(attempt: number, o: Required<BackoffOptions>): number {
  const ceiling = Math.min(o.maxMs, o.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/** Waits `ms`, or less if `signal` aborts (then resolves: the caller checks the signal). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
