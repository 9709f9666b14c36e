/**
 * The run's own redis-server and Kafka-protocol broker, which the jest configs' global setup starts
 * on free ports. Unset means a test runs without that setup (an editor's runner, another config):
 * fail then, rather than fall back to a machine's shared Redis on 6379 (ioredis' default for '').
 */
function fromSetup(name: 'TEST_REDIS_URL' | 'TEST_KAFKA_BROKERS'): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is unset: run the tests with one of this repo's jest configs, whose global setup starts them`,
    );
  }
  return value;
}

export const testRedisUrl = (): string => fromSetup('TEST_REDIS_URL');
export const testBrokers = (): string[] => fromSetup('TEST_KAFKA_BROKERS').split(',');
