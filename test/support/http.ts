import axios from 'axios';

export type ServiceName =
  | 'checkout-service'
  | 'validation-service'
  | 'inventory-cache-service'
  | 'inventory-service'
  | 'payment-service'
  | 'notification-service'
  | 'audit-service'
  | 'payment-gateway-mock';

/** URLs of the system that globalSetup started. */
export const systemUrls = (): Record<ServiceName, string> => JSON.parse(process.env.SYSTEM_URLS ?? '{}');

export const adminHeaders = () => ({ authorization: `Bearer ${process.env.ADMIN_TOKEN}` });

/** A plain client that never throws on status, so tests assert on what came back. */
export const api = (service: ServiceName) =>
  axios.create({ baseURL: systemUrls()[service], validateStatus: () => true, timeout: 10_000 });
