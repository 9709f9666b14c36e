import { Router } from 'express';
import { z } from 'zod';
import { blankAsUnset, parseInput } from '@checkout/chassis';
import { EVENT_TYPES, type AuditEventList, type AuditTimeline } from '@checkout/contracts';
import { timeline, timelineItem } from '../domain/audit-entry';
import type { AuditStore } from '../store/audit-store';

// `?type=&limit=` as written in the contract: an empty parameter means no filter, the default limit.
// The limit as digits only: coerced, `1e2` and `0x10` passed and a repeated one said NaN.
const EventsQuery = z.strictObject({
  type: blankAsUnset(z.enum(EVENT_TYPES).optional()),
  limit: blankAsUnset(
    z
      .string()
      .regex(/^[0-9]{1,4}$/, 'a whole number from 1 to 1000')
      .transform(Number)
      .pipe(z.number().min(1, 'a whole number from 1 to 1000').max(1000, 'a whole number from 1 to 1000'))
      .default(100),
  ),
});

export function auditRouter(store: AuditStore): Router {
  const router = Router();
  // An order with no events yet answers an empty timeline, not 404: the log cannot tell an
  // unknown order from one whose events have not arrived.
  router.get('/audit/orders/:orderId', async (req, res) => {
    const { orderId } = req.params;
    res.json({ orderId, events: timeline(await store.forOrder(orderId)).map(timelineItem) } satisfies AuditTimeline);
  });
  router.get('/audit/events', async (req, res) => {
    const { type, limit } = parseInput(EventsQuery, req.query, 'query');
    res.json({ items: await store.latest(limit, type) } satisfies AuditEventList);
  });
  return router;
}
