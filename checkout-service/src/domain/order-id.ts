import { createHash, randomUUID } from 'node:crypto';

/** A fresh order id, for a request without an Idempotency-Key (or whose key's id an older order holds). */
export const newOrderId = (): string => `ord_${randomUUID()}`;

/**
 * The order id of a request with this Idempotency-Key and body hash: the same every time. Should
 * Redis lose its last writes (a crash between AOF fsyncs, a failover to a replica that lagged),
 * the key and the order it stood for go together, and the client's retry would otherwise make a
 * second order, which payment would charge a second time under its own gateway key (the order id).
 * With this id the retry makes the same order again: inventory and payment dedupe it by id, and
 * the gateway replays the first charge. Shaped as a UUID (version 8, RFC 9562's custom one).
 */
export function orderIdForKey(key: string, bodyHash: string): string {
  const digest = createHash('sha256').update(`${key}\n${bodyHash}`).digest();
  digest[6] = (digest[6]! & 0x0f) | 0x80;
  digest[8] = (digest[8]! & 0x3f) | 0x80;
  const hex = digest.subarray(0, 16).toString('hex');
  return `ord_${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
