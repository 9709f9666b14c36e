import { InternalClient, dependencyUnavailable } from '@checkout/chassis';
import { ErrorBody, PaymentView } from '@checkout/contracts';

/**
 * What payment-service holds for an order, as far as its stock is concerned: `none` (it never held
 * the order), `failed`, `authorized`, or `pending` (held, maybe charging right now).
 */
export type PaymentState = 'none' | 'failed' | 'authorized' | 'pending';

export interface PaymentClient {
  /** Throws (a DependencyUnavailable) when payment-service cannot say. */
  state(orderId: string): Promise<PaymentState>;
}

/** Asks payment-service `GET /payments/{orderId}` (PAYMENT_URL). */
export function createPaymentClient(baseURL: string, timeoutMs: number): PaymentClient {
  const http = new InternalClient({ service: 'payment-service', baseURL, timeoutMs, retries: 1, connections: 4 });
  return {
    async state(orderId) {
      const res = await http.get(`/payments/${encodeURIComponent(orderId)}`);
      // Only payment-service's own 404 for the order: one for a path no route takes (a wrong
      // PAYMENT_URL, a proxy's path) says nothing, and 'none' would release stock being charged.
      if (res.status === 404 && namesOrderId(res.body)) return 'none';
      if (res.status !== 200) throw dependencyUnavailable(`payment-service (HTTP ${res.status})`);
      const view = PaymentView.safeParse(res.body);
      if (!view.success) throw dependencyUnavailable('payment-service (malformed answer)', view.error);
      return view.data.status === 'AUTHORIZED' ? 'authorized' : view.data.status === 'FAILED' ? 'failed' : 'pending';
    },
  };
}

/** A 404 for an unknown payment names `orderId` in its detail (the chassis' notFound). */
function namesOrderId(body: unknown): boolean {
  const answer = ErrorBody.safeParse(body);
  return answer.success && (answer.data.details[0] as { field?: unknown } | undefined)?.field === 'orderId';
}
