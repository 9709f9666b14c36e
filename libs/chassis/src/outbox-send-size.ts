import type { KafkaRecord } from '@checkout/contracts';

/**
 * The most one send carries, in bytes of keys, values and headers. Kafka refuses a record batch
 * above `message.max.bytes` (1 MB by default) for good, and a relay that sent a whole backlog at
 * once would then retry the same refused entries forever, publishing nothing behind them.
 */
export const MAX_SEND_BYTES = 256 * 1024;

/** Bytes a record puts on the wire, near enough: its key, value and headers. */
export const recordSize = (r: KafkaRecord): number =>
  Buffer.byteLength(r.value) +
  Buffer.byteLength(r.key) +
  Object.entries(r.headers).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);

/** Items in their order, cut into runs of at most `maxBytes` each (a larger item alone). */
export function chunkBySize<T>(items: T[], sizeOf: (item: T) => number, maxBytes: number): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (chunk.length > 0 && bytes + size > maxBytes) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
