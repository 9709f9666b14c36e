// scripts/lib/services.js: `npm start` binds the contract's fixed ports, so before it starts a
// service it checks the port is free. A service that cannot bind exits, and whatever holds the port
// would otherwise answer the readiness checks in its place.
import { spawnSync } from 'node:child_process';
import net from 'node:net';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JS scripts
const { portTaken } = require('../../scripts/lib/services') as { portTaken(port: number): Promise<boolean> };

describe('portTaken', () => {
  it('when something listens on the port, then it is taken; once that closes, it is free', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, resolve));
    const { port } = holder.address() as net.AddressInfo;
    expect(await portTaken(port)).toBe(true);
    await new Promise((resolve) => holder.close(resolve));
    expect(await portTaken(port)).toBe(false);
  });

  it('when the holder listens on loopback only, then the port is still taken', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as net.AddressInfo;
    try {
      expect(await portTaken(port)).toBe(true);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});

describe('startEnv', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JS scripts
  const { startEnv } = require('../../scripts/lib/services') as {
    startEnv(given: NodeJS.ProcessEnv, infra: object): Record<string, string | undefined>;
  };
  const infra = {
    kafkaBrokers: '127.0.0.1:9092',
    redisUrl: 'redis://127.0.0.1:6380',
    serviceEnv: { KAFKA_MAX_WAIT_MS: '10' },
  };

  it('when npm start is given no ADMIN_TOKEN, then the services get none (the contract: admin endpoints answer 403)', () => {
    expect(startEnv({ PATH: '/bin' }, infra)).not.toHaveProperty('ADMIN_TOKEN');
  });

  it("when it is given settings, then they pass through over the local infrastructure's defaults", () => {
    const env = startEnv({ ADMIN_TOKEN: 's3cret', KAFKA_MAX_WAIT_MS: '100', LOG_LEVEL: 'debug' }, infra);
    expect(env).toMatchObject({
      ADMIN_TOKEN: 's3cret',
      KAFKA_MAX_WAIT_MS: '100',
      LOG_LEVEL: 'debug',
      KAFKA_BROKERS: '127.0.0.1:9092',
      REDIS_URL: 'redis://127.0.0.1:6380',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
    });
  });

  it('when the services listen on HOST, then they are reached at loopback for every interface, else at that address', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JS scripts
    const { urlHost } = require('../../scripts/lib/services') as { urlHost(host?: string): string };
    expect([undefined, '0.0.0.0', '::', '127.0.0.1', '192.168.1.20', '::1'].map(urlHost)).toEqual([
      '127.0.0.1',
      '127.0.0.1',
      '127.0.0.1',
      '127.0.0.1',
      '192.168.1.20',
      '[::1]',
    ]);
  });

  it('when it is given no HOST, then the services listen on loopback only; a given one is kept', () => {
    expect(startEnv({}, infra).HOST).toBe('127.0.0.1');
    expect(startEnv({ HOST: ' ' }, infra).HOST).toBe('127.0.0.1');
    expect(startEnv({ HOST: '0.0.0.0' }, infra).HOST).toBe('0.0.0.0');
  });
});

describe("the services' node options", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JS scripts
  const { SERVICE_NODE_ARGS } = require('../../scripts/lib/services') as { SERVICE_NODE_ARGS: string[] };
  const stderrOf = (code: string) =>
    spawnSync(process.execPath, [...SERVICE_NODE_ARGS, '-e', code], { encoding: 'utf8' }).stderr;

  it("when a service arms a timer with a negative delay (as kafkajs does), then it writes no warning to its log, on this machine's node", () => {
    expect(stderrOf('setTimeout(() => {}, -1)')).toBe('');
  });

  it('when a service emits any other warning, then it is still written', () => {
    expect(stderrOf("process.emitWarning('something else')")).toContain('Warning: something else');
  });

  it('when this node has the option to silence one warning, then the services are given it; where it has not, nothing', () => {
    const supported = process.allowedNodeEnvironmentFlags.has('--disable-warning');
    expect(SERVICE_NODE_ARGS).toEqual(supported ? ['--disable-warning=TimeoutNegativeWarning'] : []);
  });
});
