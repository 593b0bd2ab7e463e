/** Callers of this instance waiting for something named to change (a group, a projection's checkpoint). */
export class ChangeWaiters {
  private readonly waiters = new Map<string, Set<() => void>>();

  /** Wakes everyone waiting on `key`. */
  wake(key: string): void {
    const set = this.waiters.get(key);
    if (set) for (const w of [...set]) w();
  }

  wakeAll(): void {
    for (const key of this.waiters.keys()) this.wake(key);
  }

  /** Resolves when `key` changes, after `ms`, or when `signal` aborts, whichever comes first. */
  changed(key: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(key);
      if (!set) this.waiters.set(key, (set = new Set()));
      const waiters = set;
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        waiters.delete(done);
        if (waiters.size === 0 && this.waiters.get(key) === waiters) this.waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done);
      waiters.add(done);
    });
  }
}
