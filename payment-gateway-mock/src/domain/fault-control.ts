export interface FaultSettings {
  latencyMs: number;
  failNext: number;
  failRate: number;
}

/** Injected latency and transient failures, and a count of every charge request received. */
export class FaultControl {
  private settings: FaultSettings = { latencyMs: 0, failNext: 0, failRate: 0 };
  private requests = 0;

  constructor(private readonly random: () => number = Math.random) {}

  get latencyMs(): number {
    return this.settings.latencyMs;
  }

  countRequest(): void {
    this.requests++;
  }

  /** Whether this request fails with a 503: the failNext budget first, then the random rate. */
  takeFailure(): boolean {
    if (this.settings.failNext > 0) {
      this.settings.failNext--;
      return true;
    }
    return this.settings.failRate > 0 && this.random() < this.settings.failRate;
  }

  update(change: Partial<FaultSettings>): void {
    this.settings = { ...this.settings, ...change };
  }

  reset(): void {
    this.settings = { latencyMs: 0, failNext: 0, failRate: 0 };
    this.requests = 0;
  }

  snapshot(): FaultSettings & { requests: number } {
    return { ...this.settings, requests: this.requests };
  }
}
