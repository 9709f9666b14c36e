// scripts/lib/supervise.js: `npm start` starts a service that exited again, as compose's
// `restart: unless-stopped` and Kubernetes do, with a pause that grows while it keeps exiting.
import { EventEmitter } from 'node:events';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JS scripts
const { supervise } = require('../../scripts/lib/supervise') as {
  supervise(
    system: FakeSystem,
    opts: { isStopping: () => boolean; log: (line: string) => void; now: () => number },
  ): void;
};

type FakeChild = EventEmitter;
interface FakeSystem {
  processes: Map<string, { child: FakeChild; logFile: string }>;
  restart(key: string, opts: { wait: boolean }): Promise<void>;
}

/** A system of fake processes whose restart() starts a new fake child and records when. */
function fakeSystem(keys: string[]) {
  const restarts: { key: string; at: number }[] = [];
  const system: FakeSystem = {
    processes: new Map(keys.map((k) => [k, { child: new EventEmitter(), logFile: `/logs/${k}.log` }])),
    restart: async (key) => {
      restarts.push({ key, at: Date.now() });
      system.processes.set(key, { child: new EventEmitter(), logFile: `/logs/${key}.log` });
    },
  };
  const exit = (key: string) => system.processes.get(key)!.child.emit('exit', 1, null);
  return { system, restarts, exit };
}

describe('npm start keeping its services running', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('when a service exits, then it is started again after 1 s, and after 2 s, 4 s … while it keeps exiting at once', async () => {
    const { system, restarts, exit } = fakeSystem(['payment-service', 'audit-service']);
    const lines: string[] = [];
    supervise(system, { isStopping: () => false, log: (l) => lines.push(l), now: Date.now });

    for (const pause of [1000, 2000, 4000]) {
      const before = Date.now();
      exit('payment-service');
      await jest.advanceTimersByTimeAsync(pause - 1);
      expect(restarts.filter((r) => r.at > before)).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      expect(restarts.filter((r) => r.at > before)).toEqual([{ key: 'payment-service', at: before + pause }]);
    }
    expect(lines[0]).toMatch(/^\[start\] payment-service exited \(1\); starting it again in 1 s/);
    // The other service was left alone.
    expect(restarts.every((r) => r.key === 'payment-service')).toBe(true);
  });

  it('when a restarted service ran for a minute before exiting again, then the pause is back to 1 s', async () => {
    const { system, restarts, exit } = fakeSystem(['payment-service']);
    supervise(system, { isStopping: () => false, log: () => undefined, now: Date.now });
    exit('payment-service');
    await jest.advanceTimersByTimeAsync(1000);
    exit('payment-service');
    await jest.advanceTimersByTimeAsync(2000);
    await jest.advanceTimersByTimeAsync(60_000); // up and running for a minute
    const before = Date.now();
    exit('payment-service');
    await jest.advanceTimersByTimeAsync(1000);
    expect(restarts.map((r) => r.at - before).filter((d) => d > 0)).toEqual([1000]);
  });

  it('when it is stopping (Ctrl-C), then a service that exits, or had exited just before, is not started again', async () => {
    const { system, restarts, exit } = fakeSystem(['payment-service', 'audit-service']);
    let stopping = false;
    const lines: string[] = [];
    supervise(system, { isStopping: () => stopping, log: (l) => lines.push(l), now: Date.now });
    exit('payment-service');
    stopping = true; // Ctrl-C during payment's pause
    exit('audit-service'); // stopped by the Ctrl-C itself: not a crash to announce
    await jest.advanceTimersByTimeAsync(60_000);
    expect(restarts).toEqual([]);
    expect(lines.map((l) => l.split(' ')[1])).toEqual(['payment-service']);
  });
});
