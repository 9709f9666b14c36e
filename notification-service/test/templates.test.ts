import { buildOrderFailed, createEvent } from '@checkout/contracts';
import { render } from '../src/domain/templates';
import { onOrderFailed } from '../src/handlers/on-order-failed';
import type { PendingNotification } from '../src/domain/notification';
import type { Notifier } from '../src/usecases/notifier';

const failed = (vars: Record<string, string>) =>
  render({ template: 'order-failed', orderId: 'ord_1', vars: { name: 'Ada', ...vars } }).text;

describe('the order-failed mail', () => {
  it.each([
    ['INSUFFICIENT_FUNDS', 'card declined: insufficient_funds', /declined for insufficient funds/],
    ['GATEWAY_ERROR', 'unexpected gateway answer (HTTP 500)', /could not reach our payment provider/],
    ['RESERVATION_EXPIRED', 'the stock reservation expired before the charge', /took too long/],
    ['INSUFFICIENT_STOCK', 'only 0 of sku-001 in stock', /sold out/],
  ])(
    'when the order failed with %s, then the customer reads why in plain words, not the reason written for operators',
    (code, reason, words) => {
      const text = failed({ code, reason });
      expect(text).toMatch(words);
      expect(text).not.toContain(reason);
    },
  );

  it('when the code is one this release does not know, then it reads as a fault of ours, not the internal reason', () => {
    expect(failed({ code: 'SOMETHING_NEW', reason: 'internal detail' })).toMatch(/went wrong on our side/);
  });

  it('when a notification was parked before codes were kept (a rollout), then its reason is what it says', () => {
    expect(failed({ reason: 'card declined' })).toContain('card declined');
  });

  it('when order.failed arrives, then the notification carries its code to the template', async () => {
    const parked: PendingNotification[] = [];
    const notifier = { notifyCustomer: async (p: PendingNotification) => void parked.push(p) } as unknown as Notifier;
    const event = createEvent(
      'order.failed',
      buildOrderFailed({
        orderId: 'ord_1',
        stage: 'payment',
        code: 'INVALID_CARD',
        reason: 'card declined: invalid_card',
      }),
      { source: '/checkout-service', correlationId: 'c' },
    );
    await onOrderFailed(notifier)(event, {} as never);
    expect(parked).toEqual([
      expect.objectContaining({ vars: { code: 'INVALID_CARD', reason: 'card declined: invalid_card' } }),
    ]);
  });
});
