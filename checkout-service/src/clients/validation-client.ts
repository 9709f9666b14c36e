import { InternalClient, type RequestContext } from '@checkout/chassis';
import { ValidateResponse, type Cart } from '@checkout/contracts';

export interface ValidationClient {
  validate(cart: Cart, ctx?: RequestContext): Promise<ValidateResponse>;
}

/** Asks validation-service to price and check a cart; anything but a well-formed 200 is a 503 here. */
export function createValidationClient(baseURL: string, timeoutMs: number): ValidationClient {
  // Validation only reads, so a refused connection is retried once; timeouts are not retried.
  const http = new InternalClient({ service: 'validation-service', baseURL, timeoutMs });
  return {
    validate: (cart, ctx) => http.postJson('/validate', { cart }, ValidateResponse, ctx),
  };
}
