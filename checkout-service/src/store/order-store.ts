import type { Redis } from 'ioredis';
import { defineScript, Outbox } from '@checkout/chassis';
import type { CloudEvent, OrderStatus } from '@checkout/contracts';
import type { Order } from '../domain/order';
import { STATUS_RANK } from '../domain/order-status';
import { decodeOrder, encodeOrder } from './order-codec';
import { CREATE_LUA } from './create-lua';
import { TRANSITION_LUA } from './transition-lua';

export type TransitionResult = 'applied' | 'ignored' | 'unknown';
export type CreateResult = 'created' | 'too-many-unpaid';

/** A key/value the creating write sets as well (the idempotency decision). */
export interface AlsoSet {
  key: string;
  value: string;
  ttlSeconds: number;
}

export interface CreateOptions {
  /** Refuse a PENDING order when its customer already holds this many unpaid orders. */
  maxUnpaid: number;
  also?: AlsoSet;
}

export interface Transition {
  status: OrderStatus;
  at: string;
  fields?: Partial<Pick<Order, 'paymentId' | 'code' | 'reason' | 'stage'>>;
}

/**
 * Orders under `<prefix>:order:<id>`, each customer's unpaid order ids under `<prefix>:unpaid:<customerId>`;
 * every write goes with its events into the outbox atomically.
 */
export class OrderStore {
  private readonly transitionScript;
  private readonly createScript;

  constructor(
    private readonly redis: Redis,
    private readonly outbox: Outbox,
    readonly prefix = 'checkout',
  ) {
    this.transitionScript = defineScript<string[]>(redis, 2, TRANSITION_LUA);
    this.createScript = defineScript<string[]>(redis, 4, CREATE_LUA);
  }

  private unpaidKey(customerId: string): string {
    return `${this.prefix}:unpaid:${customerId}`;
  }

  async unpaidCount(customerId: string): Promise<number> {
    return this.redis.scard(this.unpaidKey(customerId));
  }

  private key(orderId: string): string {
    return `${this.prefix}:order:${orderId}`;
  }

  async get(orderId: string): Promise<Order | undefined> {
    return decodeOrder(await this.redis.hgetall(this.key(orderId)));
  }

  /** Stores a new order with its events (and `also`), unless a PENDING order would exceed the unpaid cap. */
  async create(order: Order, events: CloudEvent[], { maxUnpaid, also }: CreateOptions): Promise<CreateResult> {
    const cap = order.status === 'PENDING' ? Math.max(1, maxUnpaid) : 0;
    const result = await this.createScript(
      [
        this.key(order.orderId),
        this.unpaidKey(order.customerId),
        this.outbox.stream,
        also?.key ?? this.key(order.orderId),
      ],
      String(cap),
      order.orderId,
      also?.value ?? '',
      String(also?.ttlSeconds ?? 0),
      String(events.length),
      ...events.map((e) => Outbox.serialize(e)),
      ...Object.entries(encodeOrder(order)).flat(),
    );
    if (result !== 1) return 'too-many-unpaid';
    this.outbox.kick();
    return 'created';
  }

  async transition(orderId: string, change: Transition, event?: CloudEvent): Promise<TransitionResult> {
    const fields = Object.entries(change.fields ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [k, v]));
    const result = await this.transitionScript(
      [this.key(orderId), this.outbox.stream],
      change.status,
      String(STATUS_RANK[change.status]),
      change.at,
      event ? Outbox.serialize(event) : '',
      `${this.prefix}:unpaid:`,
      ...fields,
    );
    if (result === 1) {
      if (event) this.outbox.kick();
      return 'applied';
    }
    return result === 0 ? 'ignored' : 'unknown';
  }
}
