import { spawnSync } from 'node:child_process';
import { EVENT_TYPES, dlqTopic } from '@checkout/contracts';
import { parse } from 'yaml';
import { ROOT, SERVICES, SHARED_ENV, calledBy, kafkaServices, readRepoFile, redisServices, urlOf } from './repo';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureDockerCompose } = require('../../scripts/lib/tools') as { ensureDockerCompose(): string[] };

interface ComposeService {
  image?: string;
  build?: { context: string; args?: Record<string, string> };
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | number | null>;
  ports?: (string | { target: number; published: number | string; host_ip?: string })[];
  healthcheck?: { test: string[] | string };
  volumes?: unknown[];
  depends_on?: Record<string, { condition: string }> | string[];
}

const text = (value: string[] | string | undefined): string => (Array.isArray(value) ? value.join(' ') : (value ?? ''));
// docker-compose v1 prints `{ condition }` per dependency; the v2 plugin adds `required: true` (and `restart`).
const conditions = (svc: ComposeService): Record<string, string> =>
  Array.isArray(svc.depends_on)
    ? Object.fromEntries(svc.depends_on.map((dep) => [dep, 'service_started']))
    : Object.fromEntries(Object.entries(svc.depends_on ?? {}).map(([dep, { condition }]) => [dep, condition]));
const published = (svc: ComposeService): string[] =>
  (svc.ports ?? []).map((p) =>
    // docker-compose v1 prints `127.0.0.1:3000:3000/tcp`; the v2 plugin an object.
    typeof p === 'string' ? p.replace(/\/\w+$/, '').replace(/^.*?(\d+:\d+)$/, '$1') : `${p.published}:${p.target}`,
  );

describe('docker-compose.yml', () => {
  let config: { services: Record<string, ComposeService> };
  const service = (name: string): ComposeService => {
    const svc = config.services[name];
    if (!svc) throw new Error(`docker-compose.yml has no service ${name}`);
    return svc;
  };

  beforeAll(() => {
    const [cmd, ...args] = ensureDockerCompose();
    // Without the caller's ADMIN_TOKEN or LOG_LEVEL, so the file's own defaults are what is checked.
    const { ADMIN_TOKEN: _token, LOG_LEVEL: _level, ...env } = process.env;
    const r = spawnSync(cmd!, [...args, '-f', 'docker-compose.yml', 'config'], { cwd: ROOT, env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} config failed:\n${r.stderr}`);
    config = parse(r.stdout);
  });

  describe.each(SERVICES)('$name', ({ name, port }) => {
    it(`when built, then the image is checkout-saga/${name} from the root Dockerfile with SERVICE=${name}`, () => {
      const svc = service(name);
      expect(svc.image).toBe(`checkout-saga/${name}:latest`);
      expect(svc.build?.args).toEqual({ SERVICE: name });
    });

    it(`when started, then it listens on PORT ${port} and publishes it`, () => {
      const svc = service(name);
      expect(String(svc.environment?.PORT)).toBe(String(port));
      expect(published(svc)).toEqual([`${port}:${port}`]);
    });

    it('when started, then it gets every shared setting, and the other services by their compose names', () => {
      const env = service(name).environment ?? {};
      expect(Object.keys(env)).toEqual(expect.arrayContaining(SHARED_ENV));
      for (const target of SERVICES.filter((s) => s.urlVar)) expect(env[target.urlVar!]).toBe(urlOf(target));
      expect(env.KAFKA_BROKERS).toBe('kafka:9092');
      expect(env.REDIS_URL).toBe('redis://redis:6379');
      expect(env.ADMIN_TOKEN).toBe('');
    });

    it('when checked for health, then it asks /health/ready on its own port', () => {
      expect(text(service(name).healthcheck?.test)).toContain(`127.0.0.1:${port}/health/ready`);
    });

    it('when it depends on anything (its infrastructure, the services it calls), then it waits for a condition (healthy or completed)', () => {
      const deps = service(name).depends_on ?? {};
      expect(Array.isArray(deps)).toBe(false);
      for (const [dep, { condition }] of Object.entries(deps)) {
        expect(config.services[dep]).toBeDefined();
        expect(condition).toBe(dep === 'kafka-topics' ? 'service_completed_successfully' : 'service_healthy');
      }
      const expected = [
        ...(kafkaServices().includes(name) ? ['kafka-topics'] : []),
        ...(redisServices().includes(name) ? ['redis'] : []),
        // The HTTP services it calls (deployment.md): inventory's expiry sweeper asks payment, say.
        ...calledBy(name),
      ];
      expect(Object.keys(deps)).toEqual(expect.arrayContaining(expected));
    });
  });

  it('when the admin token is not given, then the services get none (admin endpoints answer 403), never a well-known default', () => {
    // A default token anyone can read would open PUT /inventory (zero every product) and the
    // gateway's /_control (fail every charge) to whoever reaches the ports.
    expect(readRepoFile('docker-compose.yml')).toContain('ADMIN_TOKEN: ${ADMIN_TOKEN:-}');
  });

  it('when Kafka starts, then it is a single KRaft node (broker and controller) with a healthcheck', () => {
    const kafka = service('kafka');
    expect(kafka.image).toMatch(/^apache\/kafka:/);
    expect(kafka.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(kafka.healthcheck?.test).toBeDefined();
  });

  it('when the topic job runs, then it creates every event topic and every dead-letter topic with 6 partitions', () => {
    const job = service('kafka-topics');
    expect(conditions(job)).toEqual({ kafka: 'service_healthy' });
    const topics = String(job.environment?.TOPICS).split(/\s+/);
    const expected = [...EVENT_TYPES, ...kafkaServices().map(dlqTopic)];
    expect(topics).toEqual(expect.arrayContaining(expected));
    expect(String(job.environment?.TOPIC_PARTITIONS)).toBe('6');
    const script = text(job.command);
    expect(script).toMatch(/kafka-topics\.sh .*--create --if-not-exists/s);
    expect(script).toMatch(/--partitions "\$+TOPIC_PARTITIONS"/);
  });

  it('when Redis starts, then it keeps an append-only file on a volume and has a healthcheck', () => {
    const redis = service('redis');
    expect(text(redis.command)).toMatch(/--appendonly yes/);
    expect(JSON.stringify(redis.volumes)).toContain('/data');
    expect(redis.healthcheck?.test).toBeDefined();
  });

  it('when a port is published, then only on the loopback interface (Kafka and the services take no credentials)', () => {
    const all = Object.values(config.services).flatMap((svc) => svc.ports ?? []);
    expect(all.length).toBeGreaterThan(0);
    for (const p of all) expect(typeof p === 'string' ? p.split(':')[0] : p.host_ip).toBe('127.0.0.1');
  });

  it('when Redis starts, then it publishes no host port, so a Redis already on the host does not block it', () => {
    expect(service('redis').ports ?? []).toEqual([]);
  });

  it('when the file lists services, then they are exactly the infrastructure and the contract services', () => {
    expect(Object.keys(config.services).sort()).toEqual(
      ['kafka', 'kafka-topics', 'redis', ...SERVICES.map((s) => s.name)].sort(),
    );
  });
});
