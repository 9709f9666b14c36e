import { Health, createLogger } from '../src';
import { retryUntilDone } from '../src/retry-until-done';

/** A logger whose lines are kept, parsed. */
const capture = () => {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    logger: createLogger('test', 'info', { write: (line: string) => void lines.push(JSON.parse(line)) }),
  };
};

describe('retryUntilDone (a start-up step retried until it succeeds)', () => {
  it('when the step keeps failing the same way, then it warns once, not on every try, and says when it works again', async () => {
    const { lines, logger } = capture();
    let tries = 0;
    await retryUntilDone(new Health(), logger, 'warm-up sync', async () => {
      if (++tries < 4) throw new Error('connect ECONNREFUSED 127.0.0.1:1');
    });
    expect(tries).toBe(4);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['warn', 'warm-up sync failed, will retry'],
      ['info', 'warm-up sync works again'],
    ]);
    expect(lines[1]).toMatchObject({ failures: 3 });
  });

  it('when the service is shutting down, then the failure ends the step', async () => {
    const { logger } = capture();
    const health = new Health();
    health.markShuttingDown();
    await expect(
      retryUntilDone(health, logger, 'warm-up sync', async () => {
        throw new Error('down');
      }),
    ).rejects.toThrow('down');
  });
});
