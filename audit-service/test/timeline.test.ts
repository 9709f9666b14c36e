import type { EventType } from '@checkout/contracts';
import { timeline, type AuditEntry } from '../src/domain/audit-entry';

const entry = (id: string, type: EventType, time: string): AuditEntry => ({
  id,
  type,
  source: '/test',
  time,
  subject: 'ord_1',
  correlationId: 'c',
  data: {},
});

describe('timeline', () => {
  it('when an event has no readable time, then it goes last and the others stay in time order', () => {
    const at = (ms: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, 0, ms)).toISOString();
    const timed = Array.from({ length: 6 }, (_, i) => entry(`e${i}`, 'stock.updated', at(i * 7)));
    for (let round = 0; round < 50; round++) {
      const shuffled = [...timed].sort(() => Math.random() - 0.5);
      shuffled.splice(Math.floor(Math.random() * shuffled.length), 0, entry('bad', 'order.created', ''));
      expect(timeline(shuffled).map((e) => e.id)).toEqual([...timed.map((e) => e.id), 'bad']);
    }
  });
});
