// scripts/test.js runs jest in a process group of its own, so the signals it catches reach jest's
// workers too. A SIGKILL to the runner's group (`timeout -s KILL`, the last KILL of `timeout -k`, a
// CI runner killing the job's group) reaches only the runner, which runs no handler: jest, and what
// its global setup started, must still end rather than run on under init with nobody reading them,
// and leave no data folder behind.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { waitFor } from '../support';

const ROOT = path.resolve(__dirname, '../..');
// What ps shows as a node process's name: `node` on Node 20, its main thread's name from Node 24
// (`MainThread`, `node-MainThread` on 26). The jest under test runs this test's node binary.
const NODE_COMM = fs.readFileSync('/proc/self/comm', 'utf8').trim();

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    const stat = execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return stat !== '' && !stat.startsWith('Z');
  } catch {
    return false;
  }
};
const childrenOf = (pid: number): { pid: number; comm: string }[] => {
  try {
    return execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => {
        const [p, ...rest] = l.split(/\s+/);
        return { pid: Number(p), comm: rest.join(' ') };
      });
  } catch {
    return [];
  }
};

/** The Kafka front (scripts/lib/kafka-mock.js) among pid's children: a node process, told apart by its script. */
const kafkaFrontOf = (pid: number): number | undefined =>
  childrenOf(pid).find((c) => {
    try {
      return c.comm === NODE_COMM && fs.readFileSync(`/proc/${c.pid}/cmdline`, 'utf8').includes('kafka-front.js');
    } catch {
      return false; // it ended meanwhile
    }
  })?.pid;

describe('npm test runner (scripts/test.js) killed with SIGKILL', () => {
  const started: number[] = [];
  afterAll(async () => {
    // Only what this test started: the orphaned jest first (its SIGTERM handler stops its infra).
    for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGTERM');
    await waitFor(() => started.every((pid) => !alive(pid)), {
      timeoutMs: 5000,
      what: 'the test processes to end',
    }).catch(() => undefined);
    for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });

  it('when the group the runner was started in is SIGKILLed, then jest and the infrastructure it started die with it, leaving no data folder', async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('JEST_')));
    // A suite that runs for over half a minute: jest must end because the runner died, not because it finished.
    // setsid: the runner leads a session and process group of its own, as under `timeout` or a CI step.
    const runner = spawn(
      'setsid',
      [process.execPath, 'scripts/test.js', 'libs/chassis/test/consumer-stopping.test.ts'],
      {
        cwd: ROOT,
        env,
        stdio: 'ignore',
      },
    );
    started.push(runner.pid!);
    // setsid execs node in place (it is not a group leader yet), so runner.pid is the runner.
    const { jest, infra } = await waitFor(
      () => {
        const jestProc = childrenOf(runner.pid!).find((c) => c.comm === NODE_COMM);
        if (!jestProc) return undefined;
        const kids = childrenOf(jestProc.pid).filter((c) => c.comm === 'redis-server' || c.comm === 'kcat');
        const front = kafkaFrontOf(jestProc.pid);
        return kids.some((k) => k.comm === 'redis-server') && kids.some((k) => k.comm === 'kcat') && front
          ? { jest: jestProc.pid, infra: [...kids.map((k) => k.pid), front] }
          : undefined;
      },
      { what: "jest's global setup to start redis-server, kcat and the Kafka front", timeoutMs: 30_000 },
    );
    started.unshift(jest);
    started.push(...infra);
    // redis-server's data folder: it works in it (`--dir`), and rewrites its command line.
    // Read once it has moved there: just after the fork it still works in the runner's folder.
    const redisPid = childrenOf(jest).find((c) => c.comm === 'redis-server')!.pid;
    const dataDir = await waitFor(
      () => {
        const cwd = fs.readlinkSync(`/proc/${redisPid}/cwd`);
        return path.basename(cwd).startsWith('checkout-redis-') && cwd;
      },
      { what: 'redis-server to work in its data folder' },
    );

    process.kill(-runner.pid!, 'SIGKILL');

    // jest notices it lost its parent within half a second, then stops its infrastructure.
    await waitFor(() => [jest, ...infra].filter(alive).length === 0, {
      what: 'jest and its infrastructure to end',
      timeoutMs: 10_000,
    });
    // Nor is redis-server's data folder left in the temp folder.
    expect(fs.existsSync(dataDir)).toBe(false);
  }, 60_000);
});
