import { spawn } from 'node:child_process';
import path from 'node:path';

/**
 * SIGTERM with a dependency that no longer answers (found by the operations review): the consumer
 * step's commit to a broker that was gone, or a QUIT to a Redis that stopped answering, hung until
 * the whole budget ran out; the process exited 1 and the steps after it never ran (payment did not
 * hand its charges back, the outbox never stopped). `onShutdown` calls process.exit, so it runs in
 * a child process of its own, from the built chassis.
 */
const dist = path.join(__dirname, '..', 'dist');

function runShutdown(steps: string, timeoutMs: number, signal: NodeJS.Signals = 'SIGTERM') {
  const script = `
    const { onShutdown } = require(${JSON.stringify(path.join(dist, 'shutdown.js'))});
    const { Health } = require(${JSON.stringify(path.join(dist, 'health.js'))});
    const { createLogger } = require(${JSON.stringify(path.join(dist, 'logger.js'))});
    onShutdown({ logger: createLogger('shutdown-test'), health: new Health(), timeoutMs: ${timeoutMs}, steps: ${steps} });
    console.log(JSON.stringify({ msg: 'armed' }));
    setInterval(() => undefined, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: { msg: string; step?: string; budgetMs?: number }[] = [];
  let buffered = '';
  let signalledAt = 0;
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    let at: number;
    while ((at = buffered.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffered.slice(0, at)) as (typeof lines)[number];
      buffered = buffered.slice(at + 1);
      lines.push(line);
      if (line.msg === 'armed') {
        signalledAt = Date.now();
        child.kill(signal);
      }
    }
  });
  return new Promise<{ code: number | null; ms: number; lines: typeof lines }>((resolve) =>
    child.on('exit', (code) => resolve({ code, ms: Date.now() - signalledAt, lines })),
  );
}

describe('shutdown steps', () => {
  it('when a step hangs, then it is left once only the later steps’ reserve remains, they all run, and the process exits 0 in time', async () => {
    const steps = `[
      ['consumer', () => new Promise(() => undefined)],
      ['charges-in-flight', async () => console.log(JSON.stringify({ msg: 'ran', step: 'charges-in-flight' }))],
      ['redis', () => new Promise(() => undefined)],
      ['tracing', async () => console.log(JSON.stringify({ msg: 'ran', step: 'tracing' }))],
    ]`;
    const { code, ms, lines } = await runShutdown(steps, 3000);

    expect(code).toBe(0);
    // The hanging steps never end, so exiting at all shows they were cut; the budget lines below show
    // where. The bound only keeps a hang from waiting for jest's timeout, with room for a busy machine.
    expect(ms).toBeLessThan(3000 + 2000);
    // The logger's last lines may land out of order (an asynchronous write overtaken by the final
    // flush), so they are compared as a set; the steps' own lines keep theirs.
    const said = (from: 'log' | 'step') =>
      lines.filter((l) => (l.msg === 'ran') === (from === 'step')).map((l) => (l.step ? `${l.msg}: ${l.step}` : l.msg));
    expect(said('log').sort()).toEqual(
      [
        'armed',
        'shutting down',
        'shutdown step left unfinished: out of time: consumer',
        'shutdown step left unfinished: out of time: redis',
        'stopped',
      ].sort(),
    );
    expect(said('step')).toEqual(['ran: charges-in-flight', 'ran: tracing']);
    // 3 s less 500 ms for each of the three later steps; then what is left less one reserve.
    const budget = (step: string) => lines.find((l) => l.step === step && l.msg !== 'ran')?.budgetMs;
    expect(budget('consumer')).toBeGreaterThan(1400);
    expect(budget('consumer')).toBeLessThanOrEqual(1500);
    expect(budget('redis')).toBeGreaterThan(500); // less what the steps before it took (990-994 measured)
    expect(budget('redis')).toBeLessThanOrEqual(1000);
  }, 20_000);

  it('when every step finishes, then they run in order and the process exits 0 at once', async () => {
    const steps = `[
      ['http', async () => console.log(JSON.stringify({ msg: 'ran', step: 'http' }))],
      ['consumer', () => new Promise((r) => setTimeout(r, 100)).then(() => console.log(JSON.stringify({ msg: 'ran', step: 'consumer' })))],
      ['redis', async () => { throw new Error('already closed'); }],
    ]`;
    const { code, lines } = await runShutdown(steps, 3000);

    expect(code).toBe(0);
    expect(lines.map((l) => (l.step ? `${l.msg}: ${l.step}` : l.msg)).sort()).toEqual(
      ['armed', 'shutting down', 'ran: http', 'ran: consumer', 'shutdown step failed: redis', 'stopped'].sort(),
    );
    expect(lines.filter((l) => l.msg === 'ran').map((l) => l.step)).toEqual(['http', 'consumer']);
  }, 20_000);

  it('when the terminal that started it closes (SIGHUP), then it shuts down as on SIGTERM: every step runs, exit 0', async () => {
    const steps = `[['consumer', async () => console.log(JSON.stringify({ msg: 'ran', step: 'consumer' }))]]`;
    const { code, lines } = await runShutdown(steps, 3000, 'SIGHUP');

    expect(code).toBe(0);
    expect(lines.map((l) => (l.step ? `${l.msg}: ${l.step}` : l.msg)).sort()).toEqual(
      ['armed', 'shutting down', 'ran: consumer', 'stopped'].sort(),
    );
  }, 20_000);
});
