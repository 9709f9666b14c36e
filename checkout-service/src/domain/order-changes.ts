import { EventEmitter } from 'node:events';

/**
 * In-process notice that an order's status changed, so status streams of this instance react at
 * once instead of polling Redis; changes made by another instance reach them by a slow poll.
 */
export class OrderChanges {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  notify(orderId: string): void {
    this.emitter.emit(orderId);
  }

  subscribe(orderId: string, listener: () => void): () => void {
    this.emitter.on(orderId, listener);
    return () => this.emitter.off(orderId, listener);
  }

  listeners(orderId: string): number {
    return this.emitter.listenerCount(orderId);
  }
}
