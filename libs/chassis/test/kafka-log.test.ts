import { REBALANCE_ANSWERS, createKafka, createLogger } from '../src';

// kafkajs' table of protocol errors: what its response lines carry as `error`.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { errorCodes } = require('kafkajs/src/protocol/error') as { errorCodes: { type: string; message: string }[] };
const messageOf = (type: string) => errorCodes.find((e) => e.type === type)!.message;

const capture = () => {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('test', 'debug', { write: (line: string) => void lines.push(JSON.parse(line)) });
  // Never connected: only its logger is used.
  const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'kafka-log-test', logger });
  return { log: kafka.logger(), levels: () => lines.map((l) => l.level), lines };
};

describe("kafkajs' log lines", () => {
  it('when a response carries what a rebalance answers (a member joined or left), then the line is at warn, not error', () => {
    const { log, levels, lines } = capture();
    for (const type of ['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID'])
      log.error('Response Heartbeat(key: 12, version: 3)', { error: messageOf(type), correlationId: 7 });
    expect(levels()).toEqual(['warn', 'warn', 'warn']);
    expect(lines[0]).toMatchObject({
      component: 'kafkajs',
      msg: 'Response Heartbeat(key: 12, version: 3)',
      error: messageOf('REBALANCE_IN_PROGRESS'),
      kafkaCorrelationId: 7,
    });
  });

  it("when kafkajs' wording changes, then this test says so (the texts matched are its own)", () => {
    const texts = ['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID'].map(messageOf);
    for (const answer of REBALANCE_ANSWERS) expect(texts.some((t) => t.includes(answer))).toBe(true);
  });

  it('when kafkajs reports another error, or a warning, then its level stays', () => {
    const { log, levels } = capture();
    log.error('Response SyncGroup(key: 14, version: 3)', { error: messageOf('INVALID_REQUEST') });
    log.error('Crash: KafkaJSNumberOfRetriesExceeded', { error: 'Connection error: connect ECONNREFUSED' });
    log.warn('The group is rebalancing, re-joining', { error: messageOf('REBALANCE_IN_PROGRESS') });
    expect(levels()).toEqual(['error', 'error', 'warn']);
  });
});
