// `npm run dlq` as an operator meets it when they mistype: the built CLI in a child process.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { createKafka, createLogger } from '../src';
import { testBrokers, testPublisher } from '../../../test/support';

const CLI = path.resolve(__dirname, '..', 'dist', 'cli', 'dlq.js');

function runCli(args: string[], brokers: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, KAFKA_BROKERS: brokers },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run dlq', () => {
  it('when the service is not one that dead-letters, then it exits 2 naming those that do, and creates no topic', async () => {
    const brokers = testBrokers().join(',');
    const r = await runCli(['list', 'no-such-service'], brokers);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no service no-such-service dead-letters events');
    expect(r.stderr).toContain('inventory-service');

    const kafka = createKafka({
      brokers: testBrokers(),
      clientId: 'dlq-cli-test',
      logger: createLogger('t', 'silent'),
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.listTopics()).not.toContain('dlq.no-such-service');
    } finally {
      await admin.disconnect();
    }
  });

  it.each([['--help'], ['-h'], ['help'], ['list', '--help']])(
    'when asked for help (%s), then it prints the usage with the services and exits 0, asking no broker',
    async (...args) => {
      const r = await runCli(args, '127.0.0.1:1');
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect(r.stdout).toMatch(/^usage: npm run -s dlq -- list <service>/);
      expect(r.stdout).toContain('payment-service');
    },
  );

  it('when no broker answers at KAFKA_BROKERS, then it exits 1 at once saying to set it', async () => {
    const r = await runCli(['list', 'audit-service'], '127.0.0.1:1');
    expect(r.code).toBe(1);
    // Said before kafkajs is asked: it would retry for ~30 s, logging each attempt.
    expect(r.stderr).toContain('cannot reach Kafka at 127.0.0.1:1: set KAFKA_BROKERS');
  });

  it('when KAFKA_BROKERS is an address that takes connections but is not Kafka, then it exits 1 saying so in one line, after a retry or two', async () => {
    // An operator's likely slip: a service's HTTP port. kafkajs alone connected 9 times over ~20 s,
    // logging each attempt.
    let connections = 0;
    const http = net.createServer((socket) => {
      connections++;
      socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const address = `127.0.0.1:${(http.address() as AddressInfo).port}`;
    try {
      const r = await runCli(['list', 'audit-service'], address);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${address} took the connection but did not answer as Kafka`);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      // The reachability check, kafkajs' first try and its one retry.
      expect(connections).toBeLessThanOrEqual(3);
    } finally {
      await new Promise((resolve) => http.close(resolve));
    }
  });

  it('when letters are listed, then they come oldest first, with when each failed, whatever order the topic holds them in', async () => {
    const pub = await testPublisher();
    const run = randomUUID();
    // One key, so one partition, sent newest first: read as the topic holds them, they came out reversed.
    const failedAt = ['2026-01-01T00:00:03.000Z', '2026-01-01T00:00:02.000Z', '2026-01-01T00:00:01.000Z'];
    try {
      for (const [i, at] of failedAt.entries()) {
        const headers = { ce_id: `${run}-${i}`, 'dlq-reason': 'NOT_JSON', 'dlq-failed-at': at };
        await pub.publishRaw('dlq.notification-service', 'not json', headers, run);
      }
    } finally {
      await pub.stop();
    }

    const r = await runCli(['list', 'notification-service'], testBrokers().join(','));
    expect(r.code).toBe(0);
    const ours = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { eventId: string; failedAt: string })
      .filter((row) => row.eventId.startsWith(run));

    expect(ours.map((row) => row.failedAt)).toEqual([...failedAt].reverse());
    expect(ours.map((row) => row.eventId)).toEqual([`${run}-2`, `${run}-1`, `${run}-0`]);
  });

  it('when a letter holds a card number in its ce_id or error, then the list shows it masked', async () => {
    const pub = await testPublisher();
    const run = randomUUID();
    const headers = {
      ce_id: `${run} 4111*1111*1111*1111`,
      'dlq-reason': 'UNKNOWN_TYPE',
      // As a release before this one quoted an unknown ce_type.
      'dlq-error': 'unknown ce_type "5105 1051 0510 5100"',
      'dlq-failed-at': '2026-01-01T00:00:00.000Z',
    };
    try {
      await pub.publishRaw('dlq.audit-service', '{}', headers, run);
    } finally {
      await pub.stop();
    }

    const r = await runCli(['list', 'audit-service'], testBrokers().join(','));
    expect(r.code).toBe(0);
    const ours = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { eventId: string; error: string })
      .filter((row) => row.eventId.startsWith(run));
    expect(ours).toEqual([
      expect.objectContaining({ eventId: `${run} [card number]`, error: 'unknown ce_type "[card number]"' }),
    ]);
  });

  it('when the first broker of KAFKA_BROKERS is down, then it goes on with the next', async () => {
    const r = await runCli(['list', 'notification-service'], ['127.0.0.1:1', ...testBrokers()].join(','));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('dead letter(s) in dlq.notification-service');
  });

  it('when a replay filter cannot be read (an unknown option, no value, an empty one, a reason no letter has), then it exits 2 before reading anything', async () => {
    // A broker that is not there: refusing must not need it (and a filter it could not read
    // would have replayed, and committed, every letter).
    const refused = [
      ['replay', 'inventory-service', '--bogus', 'x'],
      ['replay', 'inventory-service', '--reason'],
      ['replay', 'inventory-service', '--reason='],
      ['replay', 'inventory-service', '--reason', 'not_json'],
      ['replay', 'inventory-service', 'extra'],
      ['list', 'inventory-service', '--from-beginning'],
      ['replay', 'inventory-service', '--from-beginning=yes'],
      ['replay', 'inventory-service', '--from-beginning'],
    ];
    // All at once: one after another, eight CLI start-ups outlasted the test's 30 s on a busy machine.
    const runs = await Promise.all(refused.map((args) => runCli(args, '127.0.0.1:1')));
    for (const [i, r] of runs.entries()) {
      expect({ args: refused[i], code: r.code }).toEqual({ args: refused[i], code: 2 });
      expect(r.stderr).toContain('usage: npm run -s dlq');
    }
    const unknownReason = runs[3]!;
    expect(unknownReason.stderr).toContain('unknown reason not_json');
    expect(unknownReason.stderr).toContain('NOT_JSON, SCHEMA_VIOLATION');
  });

  it("when the filter is written '--reason=NOT_JSON', then it is read as '--reason NOT_JSON'", async () => {
    // Past the parsing: it goes on to look for the broker.
    const r = await runCli(['replay', 'inventory-service', '--reason=NOT_JSON'], '127.0.0.1:1');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot reach Kafka');
  });
});
