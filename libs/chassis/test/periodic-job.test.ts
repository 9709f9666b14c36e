import { PeriodicJob } from '../src/periodic-job';

describe('PeriodicJob', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const deferred = () => {
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    return { promise, resolve, reject };
  };

  it('when a pass outlasts several ticks, then no second pass starts until it ends, and stop() waits for it', async () => {
    const passes: ReturnType<typeof deferred>[] = [];
    const job = new PeriodicJob('sweep', 100, () => (passes.push(deferred()), passes.at(-1)!.promise), {
      warn: jest.fn(),
    });
    job.start();
    await jest.advanceTimersByTimeAsync(1000);
    expect(passes).toHaveLength(1);

    passes[0]!.resolve();
    await jest.advanceTimersByTimeAsync(100);
    expect(passes).toHaveLength(2);

    let stopped = false;
    const stopping = job.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(1000);
    expect(stopped).toBe(false);
    expect(passes).toHaveLength(2);
    passes[1]!.resolve();
    await stopping;
  });

  it('when a pass fails, then it is logged with the job name and the next pass runs on time', async () => {
    const warn = jest.fn();
    const pass = jest.fn().mockRejectedValueOnce(new Error('redis down')).mockResolvedValue(undefined);
    const job = new PeriodicJob('re-announcing', 100, pass, { warn });
    job.start();
    await jest.advanceTimersByTimeAsync(100);
    expect(warn).toHaveBeenCalledWith(
      { err: expect.objectContaining({ message: 'redis down' }) },
      're-announcing failed',
    );
    await jest.advanceTimersByTimeAsync(100);
    expect(pass).toHaveBeenCalledTimes(2);
    await job.stop();
  });
});
