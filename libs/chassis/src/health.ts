export type Check = () => boolean | Promise<boolean>;

/**
 * A check that has not answered by then counts as down: a probe must answer within its own timeout
 * (Kubernetes' default is 1 s), and a Redis PING queued behind a stalled pipeline takes the whole
 * command timeout, twice over.
 */
export const DEFAULT_CHECK_TIMEOUT_MS = 800;

/** Readiness: every registered dependency check passes and no shutdown has begun. */
export class Health {
  private readonly checks = new Map<string, Check>();
  private stopping = false;

  constructor(private readonly checkTimeoutMs = DEFAULT_CHECK_TIMEOUT_MS) {}

  register(name: string, check: Check): this {
    this.checks.set(name, check);
    return this;
  }

  markShuttingDown(): void {
    this.stopping = true;
  }

  get shuttingDown(): boolean {
    return this.stopping;
  }

  async report(): Promise<{ ready: boolean; checks: Record<string, 'up' | 'down'> }> {
    const results = await Promise.all([...this.checks].map(async ([name, check]) => [name, await this.run(check)]));
    const checks = Object.fromEntries(results) as Record<string, 'up' | 'down'>;
    const ready = !this.stopping && Object.values(checks).every((c) => c === 'up');
    return { ready, checks };
  }

  private async run(check: Check): Promise<'up' | 'down'> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, this.checkTimeoutMs, false)));
    try {
      return (await Promise.race([Promise.resolve().then(check), late])) ? 'up' : 'down';
    } catch {
      return 'down';
    } finally {
      clearTimeout(timer);
    }
  }
}
