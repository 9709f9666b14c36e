/** Batches whose handled messages are not yet recorded: stop() commits only once there are none. */
export class BatchesInFlight {
  private count = 0;
  private done?: () => void;

  get inFlight(): number {
    return this.count;
  }

  started(): void {
    this.count++;
  }

  finished(): void {
    if (--this.count === 0) this.done?.();
  }

  /** Resolves when the count next falls to none: for a stop, while some are in flight. */
  allFinished(): Promise<void> {
    return new Promise<void>((resolve) => (this.done = resolve));
  }
}
