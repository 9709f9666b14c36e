export type Check = () => boolean | Promise<boolean>;

/**
 * A check that has not answered by then counts as down: a probe must answer within its own timeout
 * (Kubernetes' default is 1 s), and a Redis PING to a stalled server takes the whole command
 * timeout (2 s by default).
 */
export const DEFAULT_CHECK_TIMEOUT_MS = 800;

/**
 * How a check gates readiness: `always`, or only until it has first passed (`start`). A dependency
 * the HTTP path can do without once the service is up (Kafka: checkout accepts orders into its
 * outbox, every read needs only Redis) is `start`: were it `always`, a broker outage would take
 * every pod out of its Service, a total outage where the processes would have served. It still
 * shows in the checks of GET /health as it is.
 */
export type Gate = 'always' | 'start';

/** How the Kafka producer's and consumers' checks gate readiness (runtime.ts, runtime-connections.ts). */
export const KAFKA_GATE: Gate = 'start';

/** Readiness: every registered dependency check passes (see Gate) and no shutdown has begun. */
export class Health {
  private readonly checks = new Map<string, { check: Check; gate: Gate; passed: boolean }>();
  private stopping = false;

  constructor(private readonly checkTimeoutMs = DEFAULT_CHECK_TIMEOUT_MS) {}

  register(name: string, check: Check, gate: Gate = 'always'): this {
    this.checks.set(name, { check, gate, passed: false });
    return this;
  }

  markShuttingDown(): void {
    this.stopping = true;
  }

  get shuttingDown(): boolean {
    return this.stopping;
  }

  async report(): Promise<{ ready: boolean; checks: Record<string, 'up' | 'down'> }> {
    const entries = [...this.checks];
    const results = await Promise.all(entries.map(async ([, entry]) => this.run(entry.check)));
    let ready = !this.stopping;
    const checks: Record<string, 'up' | 'down'> = {};
    entries.forEach(([name, entry], i) => {
      const result = results[i]!;
      checks[name] = result;
      if (result === 'up') entry.passed = true;
      else if (entry.gate === 'always' || !entry.passed) ready = false;
    });
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
