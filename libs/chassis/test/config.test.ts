import { z } from 'zod';
import {
  ConfigError,
  DEFAULT_RECORD_RETENTION_MS,
  baseConfigSchema,
  kafkaSecurity,
  loadConfigFrom,
  portSetting,
  recordRetentionSetting,
} from '../src';

describe('loadConfigFrom', () => {
  it('when settings are absent, then local defaults apply and the result is frozen', () => {
    const config = loadConfigFrom(baseConfigSchema, { PORT: '3000' });
    expect(config).toMatchObject({
      PORT: 3000,
      KAFKA_MAX_WAIT_MS: 10,
      KAFKA_MIN_FETCH_INTERVAL_MS: 5,
      KAFKA_SESSION_TIMEOUT_MS: 6000,
    });
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092']);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('when KAFKA_BROKERS is a comma list, then it becomes a list', () => {
    expect(loadConfigFrom(baseConfigSchema, { PORT: '1', KAFKA_BROKERS: 'a:1, b:2' }).KAFKA_BROKERS).toEqual([
      'a:1',
      'b:2',
    ]);
  });

  it('when a variable is set but blank, then it counts as unset: the default, never 0 or an empty list', () => {
    const schema = baseConfigSchema.extend({ PORT: portSetting(3004) });
    const config = loadConfigFrom(schema, {
      PORT: '',
      KAFKA_BROKERS: ' ',
      KAFKA_MAX_WAIT_MS: '',
      REDIS_URL: '',
      LOG_LEVEL: '',
      ADMIN_TOKEN: ' ',
    });
    expect(config).toMatchObject({
      PORT: 3004,
      KAFKA_MAX_WAIT_MS: 10,
      REDIS_URL: 'redis://127.0.0.1:6379',
      LOG_LEVEL: 'info',
      ADMIN_TOKEN: undefined,
    });
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092']);
  });

  it('when ADMIN_TOKEN ends with a newline (read from a secrets file), then it is trimmed; one with a space inside fails start-up naming it', () => {
    expect(loadConfigFrom(baseConfigSchema, { PORT: '1', ADMIN_TOKEN: 's3cret-token\n' }).ADMIN_TOKEN).toBe(
      's3cret-token',
    );
    expect(() => loadConfigFrom(baseConfigSchema, { PORT: '1', ADMIN_TOKEN: 'two words' })).toThrow(/ADMIN_TOKEN/);
  });

  it('when NODE_ENV=production (as the image sets) and ADMIN_TOKEN is shorter than 16 characters, then start-up fails naming it', () => {
    const production = { PORT: '1', NODE_ENV: 'production' };
    expect(() => loadConfigFrom(baseConfigSchema, { ...production, ADMIN_TOKEN: 'x'.repeat(15) })).toThrow(
      /ADMIN_TOKEN: at least 16 characters/,
    );
    expect(loadConfigFrom(baseConfigSchema, { ...production, ADMIN_TOKEN: 'x'.repeat(16) }).ADMIN_TOKEN).toHaveLength(
      16,
    );
    expect(() =>
      loadConfigFrom(baseConfigSchema, { PORT: '1', NODE_ENV: ' Production ', ADMIN_TOKEN: 'short' }),
    ).toThrow(/ADMIN_TOKEN/);
    // Unset is allowed (admin routes closed), and so is a short one outside production (Runtime warns).
    expect(loadConfigFrom(baseConfigSchema, production).ADMIN_TOKEN).toBeUndefined();
    expect(loadConfigFrom(baseConfigSchema, { PORT: '1', ADMIN_TOKEN: 'secret' }).ADMIN_TOKEN).toBe('secret');
  });

  it('when KAFKA_BROKERS names no broker, then start-up fails naming it', () => {
    expect(() => loadConfigFrom(baseConfigSchema, { PORT: '1', KAFKA_BROKERS: ' , ' })).toThrow(/KAFKA_BROKERS/);
  });

  it('when a variable is invalid or missing, then it fails naming each variable', () => {
    const schema = baseConfigSchema.extend({ VALIDATION_URL: z.string().url() });
    let thrown: unknown;
    try {
      loadConfigFrom(schema, { PORT: 'abc', REDIS_URL: 'not a url' });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).variables.sort()).toEqual(['PORT', 'REDIS_URL', 'VALIDATION_URL']);
  });

  it('when RECORD_RETENTION_MS is unset, then records are kept 30 days; under the 14 days Kafka may keep an event (retention.ms plus segment.ms) is refused, naming it', () => {
    const schema = baseConfigSchema.extend({ RECORD_RETENTION_MS: recordRetentionSetting() });
    expect(loadConfigFrom(schema, { PORT: '1' }).RECORD_RETENTION_MS).toBe(DEFAULT_RECORD_RETENTION_MS);
    expect(DEFAULT_RECORD_RETENTION_MS).toBe(30 * 86_400_000);
    expect(loadConfigFrom(schema, { PORT: '1', RECORD_RETENTION_MS: '1209600000' }).RECORD_RETENTION_MS).toBe(
      1_209_600_000,
    );
    // 7 days, Kafka's retention.ms alone: a segment's oldest event can outlive it by segment.ms.
    expect(() => loadConfigFrom(schema, { PORT: '1', RECORD_RETENTION_MS: '604800000' })).toThrow(
      /RECORD_RETENTION_MS: must be at least 14 days/,
    );
  });
});

describe('kafkaSecurity', () => {
  const security = (env: Record<string, string>) =>
    kafkaSecurity(loadConfigFrom(baseConfigSchema, { PORT: '1', ...env }));
  const refusal = (env: Record<string, string>) => {
    try {
      security(env);
    } catch (err) {
      return err;
    }
    throw new Error('no ConfigError');
  };

  it('when nothing is set, then the client uses neither TLS nor SASL (the local mock, compose)', () => {
    expect(security({})).toEqual({ ssl: false });
  });

  it("when the mechanism is spelled as Kafka's properties do and the password ends in a file's newline, then both are read as meant", () => {
    expect(
      security({
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
        KAFKA_SASL_USERNAME: 'audit-service',
        KAFKA_SASL_PASSWORD: 'pw \n',
      }),
    ).toEqual({ ssl: false, sasl: { mechanism: 'scram-sha-256', username: 'audit-service', password: 'pw ' } });
  });

  it('when TLS and a SASL mechanism with its credentials are set, then the client uses them', () => {
    expect(
      security({
        KAFKA_SSL: 'true',
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'payment-service',
        KAFKA_SASL_PASSWORD: 's3cret',
      }),
    ).toEqual({ ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'payment-service', password: 's3cret' } });
  });

  it('when SASL is half set, then start-up fails naming what is missing or stray, never the password', () => {
    const missing = refusal({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'audit-service' });
    expect(missing).toBeInstanceOf(ConfigError);
    expect((missing as ConfigError).variables).toEqual(['KAFKA_SASL_PASSWORD']);
    const stray = refusal({ KAFKA_SASL_USERNAME: 'audit-service', KAFKA_SASL_PASSWORD: 's3cret' });
    expect((stray as ConfigError).variables).toEqual(['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD']);
    expect((stray as Error).message).not.toContain('s3cret');
    expect(() => security({ KAFKA_SASL_MECHANISM: 'gssapi' })).toThrow(/KAFKA_SASL_MECHANISM/);
  });
});
