import fs from 'node:fs';
// The bench's Markdown report: what a reader is told about the host a run shared.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { markdown } = require('../../bench/lib/report') as { markdown: (result: unknown) => string };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { sagaStages } = require('../../bench/lib/step') as {
  sagaStages: (
    orders: { sentAt: number; view: { history: { status: string; at: string }[] } }[],
  ) => Record<'recorded' | 'reserved' | 'confirmed', { n: number; p50: number | null }>;
};

// eslint-disable-next-line @typescript-eslint/no-require-imports
const cpu = require('../../bench/lib/cpu') as {
  syscallsOf: (pid: number) => { reads: number; writes: number } | null;
  runQueueWaitMsOf: (pid: number) => number | null;
};

const latency = (p50: number) => ({ n: 100, p50, p95: p50 * 2, p99: p50 * 3, max: p50 * 4 });

function step(offeredRate: number, stealMsPerSec: number | null) {
  return {
    label: `rate ${offeredRate}`,
    offeredRate,
    sendRate: offeredRate,
    completedPerSec: offeredRate,
    acceptMs: latency(10),
    sagaMs: latency(40),
    cpuMsPerOrder: 20,
    cpuMsPerOrderNet: 18,
    foreignCpuMsPerSec: (stealMsPerSec ?? 0) + 12,
    stealMsPerSec,
    errors: {},
    pass: true,
    cpuMsPerOrderByProcess: { 'checkout-service': 6 },
  };
}

type Step = ReturnType<typeof step> & Record<string, unknown>;

function result(steps: Step[], repeatedSteps: Step[] = []) {
  return {
    repeatedSteps,
    startedAt: '2026-12-02T05:00:00.000Z',
    config: { sloP99Ms: 250 },
    freshSystemPerStep: true,
    idleServiceCpuMsPerSec: 90,
    steps,
    summary: {
      maxOrdersPerSec: 100,
      machine: { cpuModel: 'test cpu', cores: 2, node: 'v20' },
      targets: [],
    },
  };
}

describe('bench report', () => {
  it('when a step ran while the hypervisor took CPU, then the table shows the steal and the report names the step', () => {
    const md = markdown(result([step(50, 12.5), step(100, 240)]));
    expect(md).toContain('other load ms/s (steal)');
    expect(md).toMatch(/\| 24\.5 \(12\.5\) \|/);
    expect(md).toContain('**The hypervisor took CPU from this VM in the step at 100 orders/s**');
  });

  it('when system calls were counted, then the per-process table shows reads and writes per order and their sum, and none counted as unknown', () => {
    const at = {
      ...step(100, 0),
      cpuMsPerOrderByProcess: { 'checkout-service': 6, 'redis-server': 1, 'kafka-mock (kcat)': 1.2 },
      syscallsPerOrderByProcess: {
        'checkout-service': { reads: 20.5, writes: 12 },
        'redis-server': { reads: 8, writes: 6.5 },
        'kafka-mock (kcat)': { reads: 0, writes: 0 },
      },
    };
    const md = markdown(result([at]));
    expect(md).toContain('| checkout-service | 6 | – | 20.5 / 12 |');
    expect(md).toContain('| redis-server | 1 | – | 8 / 6.5 |');
    expect(md).toContain('| kafka-mock (kcat) | 1.2 | – | – |');
    expect(md).toContain('| all | | – | 28.5 / 18.5 |');
  });

  it('when the time waiting for a core was read, then the per-process table shows it per order and its sum', () => {
    const at = {
      ...step(100, 0),
      cpuMsPerOrderByProcess: { 'checkout-service': 6, 'redis-server': 1 },
      runQueueWaitMsPerOrderByProcess: { 'checkout-service': 5.25, 'redis-server': 0.5 },
    };
    const md = markdown(result([at]));
    expect(md).toContain('waiting for a core ms/order');
    expect(md).toContain('| checkout-service | 6 | 5.25 | – |');
    expect(md).toContain('| all | | 5.75 | – |');
  });

  it('when no step had steal above the note threshold, then no host warning is printed', () => {
    const md = markdown(result([step(50, 0), step(100, 99)]));
    expect(md).not.toContain('The hypervisor took CPU');
  });

  it('when steal could not be read (not Linux), then the column says so instead of a number', () => {
    const md = markdown(result([step(50, null)]));
    expect(md).toMatch(/\| 12 \(–\) \|/);
    expect(md).not.toContain('The hypervisor took CPU');
  });

  it('when a step failed under steal and was run once more, then the table shows the repeat and the report the first try', () => {
    const failed = { ...step(100, 180), pass: false, sagaMs: latency(120) };
    const repeat = { ...step(100, 20), repeatOf: { sagaP99Ms: 360, stealMsPerSec: 180 } };
    const md = markdown(result([step(50, 10), repeat], [failed]));
    expect(md).toMatch(/^\| 100 \(repeat\) \|/m);
    expect(md).toContain(
      'Run once more because they failed while the hypervisor took more than 100 ms/s (the table shows the repeat): 100/s (saga p99 360 ms, steal 180 ms/s).',
    );
  });

  it('when orders were read back, then the saga splits into recorded, reserved and confirmed stages, skipping a missing STOCK_RESERVED', () => {
    const at = (ms: number) => new Date(ms).toISOString();
    const stages = sagaStages([
      {
        sentAt: 1000,
        view: {
          history: [
            { status: 'PENDING', at: at(1006) },
            { status: 'STOCK_RESERVED', at: at(1010) },
            { status: 'CONFIRMED', at: at(1019) },
          ],
        },
      },
      // payment.authorized overtook stock.reserved: no STOCK_RESERVED entry.
      {
        sentAt: 1000,
        view: {
          history: [
            { status: 'PENDING', at: at(1003) },
            { status: 'CONFIRMED', at: at(1019) },
          ],
        },
      },
    ]);
    expect(stages.recorded).toMatchObject({ n: 2, p50: 3 });
    expect(stages.reserved).toMatchObject({ n: 1, p50: 4 });
    expect(stages.confirmed).toMatchObject({ n: 1, p50: 9 });
  });

  it('when the steps carry saga stages, then the report gives them at half the max and at the max', () => {
    const stages = { recorded: latency(5), reserved: latency(6), confirmed: latency(7) };
    const md = markdown(
      result([
        { ...step(50, 0), half: true, sagaStagesMs: stages },
        { ...step(100, 0), sagaStagesMs: stages },
      ]),
    );
    expect(md).toContain(
      'at 50/s (half the max): POST → PENDING 5 / 15, → STOCK_RESERVED 6 / 18, → CONFIRMED 7 / 21; at 100/s:',
    );
    expect(markdown(result([step(100, 0)]))).not.toContain('Saga stages');
  });

  it('when a process writes, then its write system calls are counted from /proc, and a gone process gives null', () => {
    const fd = fs.openSync('/dev/null', 'w');
    const before = cpu.syscallsOf(process.pid)!;
    for (let i = 0; i < 5; i++) fs.writeSync(fd, 'x');
    const after = cpu.syscallsOf(process.pid)!;
    fs.closeSync(fd);
    expect(after.writes - before.writes).toBeGreaterThanOrEqual(5);
    expect(cpu.syscallsOf(2 ** 22 + 1)).toBeNull();
  });

  it('when a process has run, then its time waiting for a core is read from /proc as a number of ms, and a gone process gives null', () => {
    expect(cpu.runQueueWaitMsOf(process.pid)).toEqual(expect.any(Number));
    expect(cpu.runQueueWaitMsOf(process.pid)).toBeGreaterThanOrEqual(0);
    expect(cpu.runQueueWaitMsOf(2 ** 22 + 1)).toBeNull();
  });
});
