export type Check = () => boolean | Promise<boolean>;

/** Readiness: every registered dependency check passes and no shutdown has begun. */
export class Health {
  private readonly checks = new Map<string, Check>();
  private stopping = false;

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
    const checks: Record<string, 'up' | 'down'> = {};
    for (const [name, check] of this.checks) {
      let up = false;
      try {
        up = await check();
      } catch {
        up = false;
      }
      checks[name] = up ? 'up' : 'down';
    }
    const ready = !this.stopping && Object.values(checks).every((c) => c === 'up');
    return { ready, checks };
  }
}
