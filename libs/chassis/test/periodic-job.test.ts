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
      info: jest.fn(),
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
    const info = jest.fn();
    const pass = jest.fn().mockRejectedValueOnce(new Error('redis down')).mockResolvedValue(undefined);
    const job = new PeriodicJob('re-announcing', 100, pass, { warn, info });
    job.start();
    await jest.advanceTimersByTimeAsync(100);
    expect(warn).toHaveBeenCalledWith(
      { err: expect.objectContaining({ message: 'redis down' }) },
      're-announcing failed, will retry',
    );
    await jest.advanceTimersByTimeAsync(100);
    expect(pass).toHaveBeenCalledTimes(2);
    expect(info).toHaveBeenCalledWith({ failures: 1, failingForMs: 100 }, 're-announcing works again');
    await job.stop();
  });

  it('when every pass fails for a minute, then it warns when it starts and every 30 s after, counting the failures, and once at info when a pass works again', async () => {
    const warn = jest.fn();
    const info = jest.fn();
    let down = true;
    const job = new PeriodicJob(
      'sweep',
      100,
      () => (down ? Promise.reject(new Error('redis down')) : Promise.resolve()),
      {
        warn,
        info,
      },
    );
    job.start();
    await jest.advanceTimersByTimeAsync(60_100);
    expect(warn.mock.calls.map(([fields]) => (fields as { failures?: number }).failures)).toEqual([
      undefined,
      301,
      601,
    ]);
    down = false;
    await jest.advanceTimersByTimeAsync(200);
    expect(info).toHaveBeenCalledTimes(1);
    expect(info).toHaveBeenCalledWith({ failures: 601, failingForMs: 60_100 }, 'sweep works again');
    await job.stop();
  });

  it('when the failing passes meet another error, then that one is logged at once, not 30 s later', async () => {
    const warn = jest.fn();
    let error = 'redis down';
    const job = new PeriodicJob('sweep', 100, () => Promise.reject(new Error(error)), { warn, info: jest.fn() });
    job.start();
    await jest.advanceTimersByTimeAsync(1000);
    error = 'WRONGTYPE Operation against a key holding the wrong kind of value';
    await jest.advanceTimersByTimeAsync(100);
    expect(warn.mock.calls.map(([fields]) => (fields as { err: Error }).err.message)).toEqual(['redis down', error]);
    await job.stop();
  });
});
