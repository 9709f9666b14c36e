/**
 * Runs `fn` over `items` in order with at most `limit` calls in flight, and resolves with how many
 * items from the first are done: all of them, unless `stopping()` turned true. Until then a failure
 * starts no further item and rejects once the calls in flight have settled, so no handler still
 * runs once the batch counts as finished. Once stopping, no item is started either, the calls in
 * flight are waited for, and a failure only ends the prefix (an item after it may be done, but is
 * not counted). Items are started in order and all started ones have settled by the end, so the
 * first failed index, or else the number started, is that prefix: a counter per batch, nothing per
 * item.
 */
export async function forEachConcurrently<T>(
  items: T[],
  limit: number,
  stopping: () => boolean,
  fn: (item: T) => Promise<void>,
): Promise<number> {
  let next = 0;
  let firstFailed = items.length;
  let error: { reason: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !error && !stopping()) {
      const i = next++;
      try {
        await fn(items[i]!);
      } catch (err) {
        if (!stopping()) error ??= { reason: err };
        if (i < firstFailed) firstFailed = i;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  if (error) throw error.reason;
  return Math.min(next, firstFailed);
}
