import { z } from 'zod';
import { DEFAULT_REDIS_COMMAND_TIMEOUT_MS } from './redis/client';

export class ConfigError extends Error {
  constructor(
    readonly variables: string[],
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * An empty or blank variable counts as unset: `PORT=` left blank in a template means the default,
 * where a plain coercion would read it as 0 (a random port nobody probes).
 */
const unsetIfBlank = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
/** `schema`, reading an empty or blank string as absent: env variables, and query parameters (`?type=`). */
export const blankAsUnset = <S extends z.ZodType>(schema: S) => z.preprocess(unsetIfBlank, schema);
const fromEnv = blankAsUnset;

/** A whole number, `fallback` when unset or blank; at least 1 unless `min` says otherwise. */
export const intSetting = (fallback: number, { min = 1, max = Number.MAX_SAFE_INTEGER } = {}) =>
  fromEnv(z.coerce.number().int().min(min).max(max).default(fallback));
/** A whole number where 0 is meaningful (a limit that is off, no delay). */
export const nonNegativeIntSetting = (fallback: number) => intSetting(fallback, { min: 0 });
/** `true`/`1` or `false`/`0`, `fallback` when unset or blank. */
export const booleanSetting = (fallback: boolean) =>
  fromEnv(z.enum(['true', 'false', '1', '0']).default(fallback ? 'true' : 'false')).transform(
    (v) => v === 'true' || v === '1',
  );
/** A URL, `fallback` when unset or blank. */
export const urlSetting = (fallback: string) => fromEnv(z.string().url().default(fallback));
/** The HTTP port; each service gives its own default from the contract. */
export const portSetting = (fallback: number) => intSetting(fallback, { min: 0, max: 65535 });

/** An origin exactly as a browser's Origin header carries it, so that it can ever match one. */
const isOrigin = (o: string): boolean => {
  try {
    const url = new URL(o);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === o && !o.includes('*');
  } catch {
    return false;
  }
};

/** A comma-separated setting's entries, trimmed, empty ones dropped. */
const commaList = (s: string): string[] =>
  s
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);

/** Settings every service shares; services extend this with their own. */
export const baseConfigSchema = z.object({
  PORT: fromEnv(z.coerce.number().int().min(0).max(65535)),
  /**
   * The address the HTTP server listens on. Unset: every interface, IPv4 and IPv6 (Node listens on
   * `::`, or on 0.0.0.0 where the host has no IPv6), as a container needs, whichever a pod IP is;
   * `npm start` passes 127.0.0.1.
   */
  HOST: fromEnv(z.string().trim().min(1).optional()),
  LOG_LEVEL: fromEnv(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
  KAFKA_BROKERS: fromEnv(
    z
      .string()
      .default('127.0.0.1:9092')
      .transform(commaList)
      .refine((brokers) => brokers.length > 0, 'names no broker (expected host:port[,host:port…])'),
  ),
  /** TLS to the brokers, as a managed Kafka's listener asks; off for the local mock and compose. */
  KAFKA_SSL: booleanSetting(false),
  /**
   * SASL to the brokers (`plain`, `scram-sha-256` or `scram-sha-512`), with KAFKA_SASL_USERNAME and
   * KAFKA_SASL_PASSWORD; unset, none. Per-service credentials let the cluster's ACLs say which
   * service may write which topic (only payment-service writes payment.*).
   */
  KAFKA_SASL_MECHANISM: fromEnv(
    z.preprocess(
      (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
      z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
    ),
  ),
  KAFKA_SASL_USERNAME: fromEnv(z.string().optional()),
  /** One final newline dropped: a Secret made with --from-file keeps the file's. */
  KAFKA_SASL_PASSWORD: fromEnv(z.string().optional()).transform((p) => p?.replace(/\r?\n$/, '')),
  REDIS_URL: urlSetting('redis://127.0.0.1:6379'),
  /**
   * A Redis command unanswered this long fails (503 for a request, a retry for a handler): a server
   * that stops answering without closing the connection must not hold requests open for good. Far
   * above any answer under load (tens of ms at saturation here, benchmark.md).
   */
  REDIS_COMMAND_TIMEOUT_MS: intSetting(DEFAULT_REDIS_COMMAND_TIMEOUT_MS),
  KAFKA_MAX_WAIT_MS: intSetting(10),
  KAFKA_SESSION_TIMEOUT_MS: intSetting(6000),
  KAFKA_PARTITIONS_CONCURRENCY: intSetting(16),
  KAFKA_MESSAGE_CONCURRENCY: intSetting(16),
  /**
   * Shortest time from one fetch to the next: a batch that arrives sooner waits for it. A broker
   * that answers on arrival (real Kafka, or the mock behind our front) otherwise makes a busy
   * consumer fetch once per message. 5 ms on the confirm path costs nothing when traffic is light
   * (the fetch was held longer than that) and batches under load: at 115 orders/s saga p99 fell
   * from 600-780 to ~240 ms (benchmark.md, sixth pass). Services off that path use 100.
   */
  KAFKA_MIN_FETCH_INTERVAL_MS: nonNegativeIntSetting(5),
  /**
   * Trimmed (a token read from a secrets file keeps its final newline); one with a space inside could
   * never be sent as `Authorization: Bearer <token>`, and is refused at start.
   */
  ADMIN_TOKEN: fromEnv(
    z
      .string()
      .trim()
      .regex(/^\S+$/, 'must not contain spaces: an Authorization: Bearer header could never carry it')
      .optional(),
  ),
  SHUTDOWN_TIMEOUT_MS: intSetting(9000),
  /** How long readiness answers 503 while requests are still served, so load balancers stop routing first. */
  SHUTDOWN_DRAIN_DELAY_MS: nonNegativeIntSetting(1000),
  /**
   * Browser origins whose pages may call the service directly (CORS), comma-separated, or `*`.
   * Unset: no CORS headers, for a UI served from the same origin or through a gateway. Answered
   * only by the services that opt in (RuntimeOptions.cors): what a shop's page calls.
   */
  CORS_ORIGINS: fromEnv(z.string().default(''))
    .transform(commaList)
    .refine(
      (origins) => origins.every((o) => o === '*' || isOrigin(o)),
      'each entry is an origin as browsers send it (https://shop.example.com: lower case, no path, no default port, no wildcard) or *',
    ),
  /** Request headers those pages may send beyond the ones the API reads (a vendor's tracing header: sentry-trace). */
  CORS_ALLOW_HEADERS: fromEnv(z.string().default(''))
    .transform((s) => commaList(s.toLowerCase()))
    .refine(
      (headers) => headers.every((h) => h !== '*' && /^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(h)),
      'each entry is a header name (no *: it would allow every header)',
    ),
});

const DAY_MS = 86_400_000;
/** 30 days: past what Kafka keeps by default (up to 14 days, below) with room for an outage. */
export const DEFAULT_RECORD_RETENTION_MS = 30 * DAY_MS;
/**
 * The longest Kafka keeps an event by default, which a record that dedupes redeliveries must
 * outlast: `retention.ms` (7 days) counts from a log segment's newest message, and a segment rolls
 * after `segment.ms` (7 days), so its oldest message can be 14 days old when it is deleted.
 */
const MIN_RETENTION_MS = 14 * DAY_MS;

/**
 * `RECORD_RETENTION_MS` of the services that keep a record per order: how long a finished one (an
 * order, a reservation, a payment, a notification's markers) is kept after it ended, then expires,
 * so that their Redis does not grow for good. Those records are also what makes a redelivered event
 * harmless, so this must outlast what the topics keep: at least 14 days, Kafka's default
 * `retention.ms` plus `segment.ms` (a deployment keeping its topics longer must set it longer still).
 */
export const recordRetentionSetting = () =>
  fromEnv(
    z.coerce
      .number()
      .int()
      .min(
        MIN_RETENTION_MS,
        `must be at least 14 days (${MIN_RETENTION_MS} ms), what Kafka keeps by default (retention.ms plus segment.ms): a redelivered event must still find its record`,
      )
      .default(DEFAULT_RECORD_RETENTION_MS),
  );

/**
 * A retention that may be off: 0 (the default) keeps for good; otherwise at least 14 days, as
 * recordRetentionSetting asks and for the same reason (AUDIT_RETENTION_MS).
 */
export const optionalRetentionSetting = () =>
  fromEnv(
    z.coerce
      .number()
      .int()
      .refine(
        (ms) => ms === 0 || ms >= MIN_RETENTION_MS,
        `must be 0 (kept for good) or at least 14 days (${MIN_RETENTION_MS} ms), what Kafka keeps by default (retention.ms plus segment.ms): a redelivered event must still find its record`,
      )
      .default(0),
  );

/** How a Kafka client authenticates, from the shared settings; a ConfigError when SASL is half set. */
export function kafkaSecurity(
  config: Pick<
    z.infer<typeof baseConfigSchema>,
    'KAFKA_SSL' | 'KAFKA_SASL_MECHANISM' | 'KAFKA_SASL_USERNAME' | 'KAFKA_SASL_PASSWORD'
  >,
): KafkaSecurity {
  const { KAFKA_SSL: ssl, KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username } = config;
  const password = config.KAFKA_SASL_PASSWORD;
  if (!mechanism) {
    const stray = (['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const).filter((v) => config[v] !== undefined);
    if (stray.length > 0)
      throw new ConfigError(stray, `invalid configuration: ${stray.join(', ')} set without KAFKA_SASL_MECHANISM`);
    return { ssl };
  }
  const missing = (['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const).filter((v) => config[v] === undefined);
  if (missing.length > 0)
    throw new ConfigError(
      missing,
      `invalid configuration: KAFKA_SASL_MECHANISM=${mechanism} needs ${missing.join(', ')}`,
    );
  return { ssl, sasl: { mechanism, username: username!, password: password! } };
}

export interface KafkaSecurity {
  ssl: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

/**
 * The shortest ADMIN_TOKEN a production process (NODE_ENV=production, as the image sets) accepts;
 * elsewhere a shorter one starts with a warning (Runtime), so a local `ADMIN_TOKEN=secret npm start`
 * still works. Whoever guesses the token can set stock levels.
 */
export const ADMIN_TOKEN_MIN_LENGTH = 16;
export const adminTokenTooShort = (token: string | undefined): boolean =>
  token !== undefined && token.length < ADMIN_TOKEN_MIN_LENGTH;

/** Parses env once at start; throws a ConfigError naming every bad variable. */
export function loadConfigFrom<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): Readonly<z.infer<S>> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const variables = [...new Set(result.error.issues.map((i) => String(i.path[0] ?? '?')))];
    const lines = result.error.issues.map((i) => `${String(i.path[0] ?? '?')}: ${i.message}`);
    throw new ConfigError(variables, `invalid configuration: ${lines.join('; ')}`);
  }
  const production = env.NODE_ENV?.trim().toLowerCase() === 'production';
  if (production && adminTokenTooShort((result.data as { ADMIN_TOKEN?: string }).ADMIN_TOKEN)) {
    throw new ConfigError(
      ['ADMIN_TOKEN'],
      `invalid configuration: ADMIN_TOKEN: at least ${ADMIN_TOKEN_MIN_LENGTH} characters with NODE_ENV=production (openssl rand -hex 16 makes one)`,
    );
  }
  return Object.freeze(result.data);
}
