// Every service's main.ts loads its settings through the chassis' configOrExit: a bad setting is
// one JSON line at fatal naming the variables, like every other line the service logs, and exit 1.
import { spawn } from 'node:child_process';
import path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JS scripts
const { SERVICES } = require('../../scripts/lib/services') as { SERVICES: { name: string }[] };
const ROOT = path.resolve(__dirname, '..', '..');

/** Runs a service's built main with `env` added; resolves its exit code and what it wrote. */
function run(service: string, env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, service, 'dist', 'main.js')], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

it.each(SERVICES.map((s) => s.name))(
  'when %s is started with bad settings, then it logs one JSON line at fatal naming them, and exits 1',
  async (service) => {
    const { code, stdout, stderr } = await run(service, { PORT: 'abc', LOG_LEVEL: 'verbose' });
    expect(code).toBe(1);
    expect(stderr).toBe('');
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'fatal',
      service,
      variables: ['PORT', 'LOG_LEVEL'],
      msg: expect.stringMatching(/^invalid configuration: PORT: .*; LOG_LEVEL: /),
    });
  },
);

it('when payment-service is given a lease shorter than a charge can run between renewals, then it says so at start-up', async () => {
  const child = spawn(process.execPath, [path.join(ROOT, 'payment-service', 'dist', 'main.js')], {
    // Nothing to connect to: the warning comes before any connection is tried.
    env: {
      ...process.env,
      PORT: '0',
      REDIS_URL: 'redis://127.0.0.1:1',
      KAFKA_BROKERS: '127.0.0.1:1',
      PAYMENT_ATTEMPT_TIMEOUT_MS: '2000',
      PAYMENT_LEASE_MS: '9000',
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let stdout = '';
  try {
    // Read up to the line saying it listens: the check runs before it starts anything.
    const lines = await new Promise<Record<string, unknown>[]>((resolve, reject) => {
      child.on('exit', (code) => reject(new Error(`exited ${code} before listening: ${stdout}`)));
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const read = stdout.split('\n').flatMap((l) => (l.trim() ? [JSON.parse(l) as Record<string, unknown>] : []));
        if (read.some((l) => l.msg === 'payment-service listening')) resolve(read);
      });
    });
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        PAYMENT_LEASE_MS: 9000,
        shortestSafeLeaseMs: 11000,
        msg: expect.stringMatching(/^PAYMENT_LEASE_MS is shorter than a charge can run between renewals/),
      }),
    );
  } finally {
    child.kill('SIGKILL');
  }
});
