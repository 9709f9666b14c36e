import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosError, type AxiosInstance } from 'axios';
import axiosRetry, { exponentialDelay, isNetworkOrIdempotentRequestError } from 'axios-retry';

export interface HttpClientOptions {
  baseURL: string;
  timeoutMs?: number;
  retries?: number;
  /** Which failures to retry; defaults to network errors and idempotent requests that got 5xx. */
  retryCondition?: (error: AxiosError) => boolean;
  retryDelay?: (retryCount: number, error: AxiosError) => number;
  onRetry?: (retryCount: number, error: AxiosError) => void;
  shouldResetTimeout?: boolean;
  /** Which statuses resolve; by default every status does and only transport failures reject. */
  validateStatus?: (status: number) => boolean;
}

const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 256 });

/**
 * One outbound client per collaborator: keep-alive, timeout, retry policy. Callers pass the
 * correlation and trace headers of the work they do (`contextHeaders`).
 */
export function createHttpClient(opts: HttpClientOptions): AxiosInstance {
  const client = axios.create({
    baseURL: opts.baseURL,
    timeout: opts.timeoutMs ?? 2000,
    httpAgent,
    httpsAgent,
    // No redirects between our services or to the gateway: skipping follow-redirects saves CPU per call.
    maxRedirects: 0,
    validateStatus: opts.validateStatus ?? (() => true),
  });
  axiosRetry(client, {
    retries: opts.retries ?? 2,
    retryCondition: opts.retryCondition ?? isNetworkOrIdempotentRequestError,
    retryDelay: opts.retryDelay ?? ((count, error) => exponentialDelay(count, error, 50)),
    shouldResetTimeout: opts.shouldResetTimeout ?? true,
    ...(opts.onRetry ? { onRetry: (count, error) => opts.onRetry?.(count, error) } : {}),
  });
  return client;
}
