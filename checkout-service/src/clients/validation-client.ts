import { InternalClient, dependencyUnavailable } from '@checkout/chassis';
import { ValidateResponse, type Cart } from '@checkout/contracts';

export interface ValidationClient {
  validate(cart: Cart): Promise<ValidateResponse>;
}

/** Asks validation-service to price and check a cart; anything but a well-formed 200 is a 503 here. */
export function createValidationClient(baseURL: string, timeoutMs: number): ValidationClient {
  // Validation only reads, so a refused connection is retried once; timeouts are not retried.
  const http = new InternalClient({ service: 'validation-service', baseURL, timeoutMs });
  return {
    async validate(cart) {
      const res = await http.post('/validate', { cart });
      if (res.status !== 200) throw dependencyUnavailable(`validation-service (HTTP ${res.status})`);
      const parsed = ValidateResponse.safeParse(res.body);
      if (!parsed.success) throw dependencyUnavailable('validation-service (malformed answer)', parsed.error);
      return parsed.data;
    },
  };
}
