import { createKafka, createLogger } from '../src';

const capture = () => {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('test', 'debug', { write: (line: string) => void lines.push(JSON.parse(line)) });
  // Never connected: only its logger is used.
  const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'kafka-log-test', logger });
  return { log: kafka.logger(), lines };
};
const level = (line: Record<string, unknown>) => line.level;

describe("kafkajs' log lines", () => {
  it('when kafkajs reports what a rebalance answers (a member joined or left), then the line is at info, not error', () => {
    const { log, lines } = capture();
    log.error('The group is rebalancing, re-joining', { groupId: 'payment-service' });
    log.error('Response Heartbeat(key: 12, version: 3)', { error: 'The group is rebalancing, so a rejoin is needed' });
    log.error('Response OffsetCommit(key: 8, version: 5)', { error: 'Specified group generation id is not valid' });
    log.error('The coordinator is not aware of this member, re-joining the group', { groupId: 'audit-service' });
    expect(lines.map(level)).toEqual(['info', 'info', 'info', 'info']);
    expect(lines[1]).toMatchObject({ component: 'kafkajs', error: 'The group is rebalancing, so a rejoin is needed' });
  });

  it('when kafkajs reports another error, or a warning, then its level stays', () => {
    const { log, lines } = capture();
    log.error('Crash: KafkaJSNumberOfRetriesExceeded', { error: 'Connection error: connect ECONNREFUSED' });
    log.warn('Connection timeout', { broker: '127.0.0.1:1' });
    expect(lines.map(level)).toEqual(['error', 'warn']);
  });
});
