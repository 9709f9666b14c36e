import type { Redis } from 'ioredis';
import { defineScript } from '@checkout/chassis';
import type { EventType } from '@checkout/contracts';
import type { AuditEntry } from '../domain/audit-entry';
import { RECORD_LUA } from './audit-scripts';

type StreamEntry = [id: string, fields: string[]];

const entryOf = ([, fields]: StreamEntry): AuditEntry | undefined => {
  const at = fields.indexOf('e');
  const json = at >= 0 ? fields[at + 1] : undefined;
  return json ? (JSON.parse(json) as AuditEntry) : undefined;
};

/**
 * Append-only log: `log` (stream of every event), `type:<type>` (stream ids by type),
 * `order:<orderId>` (the order's events as JSON) and `seen:<eventId>` (dedupe markers). Kept for
 * good, or for `retentionMs` (AUDIT_RETENTION_MS) when it is above 0.
 */
export class AuditStore {
  private readonly recordScript;

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'audit',
    private readonly retentionMs = 0,
  ) {
    this.recordScript = defineScript(redis, 4, RECORD_LUA);
  }

  private get logKey(): string {
    return `${this.prefix}:log`;
  }

  /** True when this call recorded the event, false when it was recorded before. */
  async record(entry: AuditEntry, orderId: string | undefined): Promise<boolean> {
    const p = this.prefix;
    const keys = [`${p}:seen:${entry.id}`, this.logKey, `${p}:type:${entry.type}`, `${p}:order:${orderId ?? ''}`];
    const retention = String(this.retentionMs);
    return (await this.recordScript(keys, entry.type, JSON.stringify(entry), orderId ? '1' : '0', retention)) === 1;
  }

  async forOrder(orderId: string): Promise<AuditEntry[]> {
    const items = await this.redis.lrange(`${this.prefix}:order:${orderId}`, 0, -1);
    return items.map((json) => JSON.parse(json) as AuditEntry);
  }

  /** The newest `limit` events (of one type when given), oldest first. */
  async latest(limit: number, type?: EventType): Promise<AuditEntry[]> {
    if (!type) {
      const newestFirst = (await this.redis.xrevrange(this.logKey, '+', '-', 'COUNT', limit)) as StreamEntry[];
      return newestFirst.reverse().flatMap((e) => entryOf(e) ?? []);
    }
    const ids = await this.redis.lrange(`${this.prefix}:type:${type}`, -limit, -1);
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.xrange(this.logKey, id, id);
    const results = (await pipeline.exec()) ?? [];
    // A failed read (Redis stalled or gone) fails the request (503), never a list with holes.
    const failed = results.find(([err]) => err);
    if (failed) throw failed[0];
    return results.flatMap(([, entries]) => (entries as StreamEntry[]).flatMap((e) => entryOf(e) ?? []));
  }
}
