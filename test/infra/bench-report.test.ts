// The bench's Markdown report: what a reader is told about the host a run shared.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { markdown } = require('../../bench/lib/report') as { markdown: (result: unknown) => string };

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

function result(steps: ReturnType<typeof step>[]) {
  return {
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

  it('when no step had steal above the note threshold, then no host warning is printed', () => {
    const md = markdown(result([step(50, 0), step(100, 99)]));
    expect(md).not.toContain('The hypervisor took CPU');
  });

  it('when steal could not be read (not Linux), then the column says so instead of a number', () => {
    const md = markdown(result([step(50, null)]));
    expect(md).toMatch(/\| 12 \(–\) \|/);
    expect(md).not.toContain('The hypervisor took CPU');
  });
});
