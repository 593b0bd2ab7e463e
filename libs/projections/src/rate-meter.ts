/** Events per second over a sliding window (10 s by default), decaying to 0 when nothing happens. */
export class RateMeter {
  private readonly samples: { at: number; count: number }[] = [];

  constructor(
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  record(count: number): void {
    if (count <= 0) return;
    this.samples.push({ at: this.now(), count });
    this.trim();
  }

  rate(): number {
    this.trim();
    if (this.samples.length === 0) return 0;
    const total = this.samples.reduce((n, s) => n + s.count, 0);
    // Over the window, or since the first sample when younger, but never less than a second (no spikes).
    const span = Math.max(1000, Math.min(this.windowMs, this.now() - this.samples[0].at));
    return Math.round((total * 1000) / span);
  }

  private trim(): void {
    const from = this.now() - this.windowMs;
    while (this.samples.length > 0 && this.samples[0].at < from) this.samples.shift();
  }
}
