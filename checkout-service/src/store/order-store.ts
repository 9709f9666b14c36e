import type { ChainableCommander, Redis } from 'ioredis';
import { defineScript, Outbox } from '@checkout/chassis';
import type { CloudEvent, OrderStatus } from '@checkout/contracts';
import type { Order } from '../domain/order';
import { STATUS_RANK } from '../domain/order-status';
import { decodeOrder, encodeOrder } from './order-codec';
import { TRANSITION_LUA } from './transition-lua';

export type TransitionResult = 'applied' | 'ignored' | 'unknown';

export interface Transition {
  status: OrderStatus;
  at: string;
  fields?: Partial<Pick<Order, 'paymentId' | 'code' | 'reason' | 'stage'>>;
}

/** Orders under `<prefix>:order:<id>`; every write goes with its events into the outbox atomically. */
export class OrderStore {
  private readonly transitionScript;

  constructor(
    private readonly redis: Redis,
    private readonly outbox: Outbox,
    readonly prefix = 'checkout',
  ) {
    this.transitionScript = defineScript<string[]>(redis, 'checkoutOrderTransition', 2, TRANSITION_LUA);
  }

  private key(orderId: string): string {
    return `${this.prefix}:order:${orderId}`;
  }

  async get(orderId: string): Promise<Order | undefined> {
    return decodeOrder(await this.redis.hgetall(this.key(orderId)));
  }

  /** Stores a new order with its events; `also` adds writes that must commit with it. */
  async create(order: Order, events: CloudEvent[], also?: (multi: ChainableCommander) => void): Promise<void> {
    const multi = this.redis.multi().hset(this.key(order.orderId), encodeOrder(order));
    this.outbox.addTo(multi, events);
    also?.(multi);
    const results = await multi.exec();
    const failed = results?.find(([err]) => err)?.[0];
    if (!results || failed) throw failed ?? new Error('order write was aborted');
    this.outbox.kick();
  }

  async transition(orderId: string, change: Transition, event?: CloudEvent): Promise<TransitionResult> {
    const fields = Object.entries(change.fields ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [k, v]));
    const result = await this.transitionScript(
      [this.key(orderId), this.outbox.stream],
      change.status,
      String(STATUS_RANK[change.status]),
      change.at,
      event ? Outbox.serialize(event) : '',
      ...fields,
    );
    if (result === 1) {
      if (event) this.outbox.kick();
      return 'applied';
    }
    return result === 0 ? 'ignored' : 'unknown';
  }
}
