import type { Order } from '../domain/order';
import type { OrderChanges } from '../domain/order-changes';
import type { OrderStore } from './order-store';

export interface OrderWatchDeps {
  orders: OrderStore;
  changes: OrderChanges;
  statusPollMs?: number;
}

type Watcher = (order: Order | undefined) => void;

interface Watched {
  watchers: Set<Watcher>;
  stop: () => void;
  reading: boolean;
  again: boolean;
}

/**
 * The orders this instance's status streams watch: one read per change notice or poll for each
 * order, handed to every stream watching it. Idle streams cost a listener each, not a Redis read
 * each every poll (anyone who knows an order id can open many).
 */
export class OrderWatch {
  private readonly watched = new Map<string, Watched>();
  private count = 0;

  constructor(private readonly deps: OrderWatchDeps) {}

  /** Streams open on this instance. */
  get streams(): number {
    return this.count;
  }

  /** Calls `watcher` with the order after each change (undefined once it is gone) until unwatched. */
  watch(orderId: string, watcher: Watcher): () => void {
    let w = this.watched.get(orderId);
    if (!w) {
      const unsubscribe = this.deps.changes.subscribe(orderId, () => void this.read(orderId));
      const poll = setInterval(() => void this.read(orderId), this.deps.statusPollMs ?? 500);
      w = { watchers: new Set(), reading: false, again: false, stop: () => (unsubscribe(), clearInterval(poll)) };
      this.watched.set(orderId, w);
    }
    const watched = w;
    watched.watchers.add(watcher);
    this.count++;
    // A change between the stream's first read and now would otherwise wait for the poll.
    void this.read(orderId);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.count--;
      watched.watchers.delete(watcher);
      if (watched.watchers.size > 0) return;
      watched.stop();
      if (this.watched.get(orderId) === watched) this.watched.delete(orderId);
    };
  }

  private async read(orderId: string): Promise<void> {
    const w = this.watched.get(orderId);
    if (!w) return;
    if (w.reading) return void (w.again = true);
    w.reading = true;
    try {
      do {
        w.again = false;
        const order = await this.deps.orders.get(orderId);
        for (const watcher of [...w.watchers]) watcher(order);
      } while (w.again && w.watchers.size > 0);
    } catch {
      // Redis hiccup: the next notice or poll tries again.
    } finally {
      w.reading = false;
    }
  }
}
