import type { OrderStatus } from '@checkout/contracts';
import type { FailureStage, Order } from '../domain/order';

/** An order as a Redis hash: scalars as fields, lists as JSON, optional fields only when set. */
export function encodeOrder(o: Order): Record<string, string> {
  const fields: Record<string, string> = {
    orderId: o.orderId,
    status: o.status,
    items: JSON.stringify(o.items),
    total: String(o.total),
    currency: o.currency,
    customerId: o.customerId,
    history: JSON.stringify(o.history),
  };
  for (const k of ['code', 'reason', 'stage', 'paymentId'] as const) {
    const v = o[k];
    if (v !== undefined) fields[k] = v;
  }
  if (o.shortages !== undefined) fields.shortages = JSON.stringify(o.shortages);
  return fields;
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
    ...(h.shortages !== undefined ? { shortages: JSON.parse(h.shortages) as Order['shortages'] } : {}),
  };
}
