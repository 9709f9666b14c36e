import { Shortage, type OrderStatus } from '@checkout/contracts';
import type { FailureStage, Order } from '../domain/order';

/** The fields an order gets when set (at its creation, or with a move): scalars as they are, lists as JSON. */
export type OptionalFields = Partial<Pick<Order, 'code' | 'reason' | 'stage' | 'paymentId' | 'shortages'>>;

export function encodeOptionalFields(o: OptionalFields): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const k of ['code', 'reason', 'stage', 'paymentId'] as const) {
    const v = o[k];
    if (v !== undefined) fields[k] = v;
  }
  if (o.shortages?.length) fields.shortages = JSON.stringify(o.shortages);
  return fields;
}

/** An order as a Redis hash: scalars as fields, lists as JSON, optional fields only when set. */
export function encodeOrder(o: Order): Record<string, string> {
  return {
    orderId: o.orderId,
    status: o.status,
    items: JSON.stringify(o.items),
    total: String(o.total),
    currency: o.currency,
    customerId: o.customerId,
    history: JSON.stringify(o.history),
    ...encodeOptionalFields(o),
  };
}

/**
 * Stock's shortages, only ever shown on the status stream: a field that does not read as such is
 * left out, rather than failing every read of the order (its view, its moves).
 */
function decodeShortages(json: string | undefined): Pick<Order, 'shortages'> {
  if (json === undefined) return {};
  try {
    const parsed = Shortage.array().safeParse(JSON.parse(json));
    return parsed.success ? { shortages: parsed.data } : {};
  } catch {
    return {};
  }
}

export function decodeOrder(h: Record<string, string>): Order | undefined {
  if (!h.orderId || !h.status) return undefined;
  return {
    orderId: h.orderId,
    status: h.status as OrderStatus,
    items: JSON.parse(h.items ?? '[]') as Order['items'],
    total: Number(h.total),
    currency: h.currency ?? 'USD',
    customerId: h.customerId ?? '',
    history: JSON.parse(h.history ?? '[]') as Order['history'],
    ...(h.code !== undefined ? { code: h.code } : {}),
    ...(h.reason !== undefined ? { reason: h.reason } : {}),
    ...(h.stage !== undefined ? { stage: h.stage as FailureStage } : {}),
    ...(h.paymentId !== undefined ? { paymentId: h.paymentId } : {}),
    ...decodeShortages(h.shortages),
  };
}
