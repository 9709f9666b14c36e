import type { OrderFacts } from '../domain/order';

/** Facts kept of unfinished orders this process created; beyond it the oldest are dropped. */
const FACTS_KEPT = 10_000;

/**
 * Facts of the unfinished orders this process created, so that moving one on needs no read of
 * it: whether a move is forward is the transition script's check. Another instance's orders, and
 * ones dropped beyond FACTS_KEPT, are read from Redis.
 */
export class OrderFactsCache {
  private readonly open = new Map<string, OrderFacts>();

  get(orderId: string): OrderFacts | undefined {
    return this.open.get(orderId);
  }

  remember(facts: OrderFacts): void {
    this.open.set(facts.orderId, facts);
    // A Map iterates in insertion order: the first key is the oldest.
    if (this.open.size > FACTS_KEPT) this.open.delete(this.open.keys().next().value!);
  }

  forget(orderId: string): void {
    this.open.delete(orderId);
  }
}
