import type { Claim, PaymentRecord, PaymentStatus } from '../domain/payment';

export type Fields = Record<string, string>;

export const pairsToFields = (flat: string[]): Fields => {
  const fields: Fields = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return fields;
};

export function toClaim(orderId: string, owner: string, f: Fields): Claim {
  return {
    orderId,
    owner,
    amount: Number(f.amount),
    currency: f.currency ?? '',
    token: f.token ?? '',
    expiresAt: f.expiresAt ?? '',
    correlationId: f.correlationId ?? orderId,
    ...(f.traceparent ? { traceparent: f.traceparent } : {}),
    ...(Number(f.attempts) > 0 ? { priorAttempts: Number(f.attempts) } : {}),
  };
}

export function decodePayment(orderId: string, f: Fields): PaymentRecord | undefined {
  if (!f.status) return undefined;
  return {
    orderId,
    status: f.status as PaymentStatus,
    attempts: Number(f.attempts ?? 0),
    ...(f.amount !== undefined ? { amount: Number(f.amount) } : {}),
    ...(f.currency ? { currency: f.currency } : {}),
    ...(f.expiresAt ? { expiresAt: f.expiresAt } : {}),
    ...(f.paymentId ? { paymentId: f.paymentId } : {}),
    ...(f.code ? { code: f.code } : {}),
    ...(f.reason ? { reason: f.reason } : {}),
  };
}
