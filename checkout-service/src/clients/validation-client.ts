import { createHttpClient, dependencyUnavailable } from '@checkout/chassis';
import { ValidateResponse, type Cart } from '@checkout/contracts';

export interface ValidationClient {
  validate(cart: Cart): Promise<ValidateResponse>;
}

/** Asks validation-service to price and check a cart; anything but a well-formed 200 is a 503 here. */
export function createValidationClient(baseURL: string, timeoutMs: number): ValidationClient {
  // Validation only reads, so retrying a refused connection once is safe; timeouts are not retried.
  const http = createHttpClient({ baseURL, timeoutMs, retries: 1 });
  return {
    async validate(cart) {
      let res;
      try {
        res = await http.post('/validate', { cart });
      } catch (err) {
        throw dependencyUnavailable('validation-service', err);
      }
      if (res.status !== 200) throw dependencyUnavailable(`validation-service (HTTP ${res.status})`);
      const parsed = ValidateResponse.safeParse(res.data);
      if (!parsed.success) throw dependencyUnavailable('validation-service (malformed answer)', parsed.error);
      return parsed.data;
    },
  };
}
