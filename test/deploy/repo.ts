import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface ServiceEntry {
  name: string;
  port: number;
  urlVar?: string;
}

// The one list of services and default ports that `npm start` also uses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const { SERVICES } = require('../../scripts/lib/services') as { SERVICES: ServiceEntry[] };

/** Shared settings every process gets (ARCHITECTURE.md), besides its own PORT. */
export const SHARED_ENV = [
  'LOG_LEVEL',
  'KAFKA_BROKERS',
  'REDIS_URL',
  'VALIDATION_URL',
  'INVENTORY_CACHE_URL',
  'INVENTORY_URL',
  'PAYMENT_GATEWAY_URL',
  'PAYMENT_URL',
  'ADMIN_TOKEN',
  'RESERVATION_TTL_MS',
  'PAYMENT_MAX_RETRIES',
  'PAYMENT_ATTEMPT_TIMEOUT_MS',
  'KAFKA_MAX_WAIT_MS',
  'KAFKA_SESSION_TIMEOUT_MS',
];

/** The services with the scale-out controls (PodDisruptionBudget, HorizontalPodAutoscaler). */
export const SCALED = [
  'checkout-service',
  'validation-service',
  'inventory-cache-service',
  'inventory-service',
  'payment-service',
];

export const readRepoFile = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** A service's source file (src/<file>), empty where it has none. */
export const serviceSource = (service: string, file = 'main.ts'): string => {
  const full = path.join(ROOT, service, 'src', file);
  return fs.existsSync(full) ? fs.readFileSync(full, 'utf8') : '';
};
const mainSource = (service: string): string => serviceSource(service);

/** Services whose Runtime talks to Kafka: each one dead-letters to dlq.<service>. */
export const kafkaServices = (): string[] =>
  SERVICES.map((s) => s.name).filter((name) => /kafka:\s*true|groupId/.test(mainSource(name)));

/** Services whose Runtime has a Redis store (a redisPrefix). */
export const redisServices = (): string[] =>
  SERVICES.map((s) => s.name).filter((name) => /redisPrefix/.test(mainSource(name)));

export const urlOf = (s: ServiceEntry): string => `http://${s.name}:${s.port}`;

/** The services a service calls over HTTP: those whose URL setting (urlVar) its config reads. */
export const calledBy = (service: string): string[] =>
  SERVICES.filter((s) => s.urlVar && new RegExp(`\\b${s.urlVar}\\b`).test(serviceSource(service, 'config.ts'))).map(
    (s) => s.name,
  );
