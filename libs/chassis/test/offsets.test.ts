import { createLogger } from '../src';
import { OffsetCommitter, type TopicPartitionOffset } from '../src/kafka/offsets';

const logger = createLogger('offsets-test', 'silent');

describe('OffsetCommitter', () => {
  it('when batches of a partition were handled, then one commit carries the next offset after the last', async () => {
    const commits: TopicPartitionOffset[][] = [];
    const offsets = new OffsetCommitter(async (o) => void commits.push(o), logger);
    offsets.handled('order.created', 0, '4');
    offsets.handled('order.created', 0, '9');
    offsets.handled('order.created', 1, '2');
    await offsets.flush();
    await offsets.flush();
    expect(commits).toEqual([
      [
        { topic: 'order.created', partition: 0, offset: '10' },
        { topic: 'order.created', partition: 1, offset: '3' },
      ],
    ]);
  });

  it('when a commit fails, then its offsets are committed by the next flush unless newer ones came', async () => {
    const commits: TopicPartitionOffset[][] = [];
    let fail = true;
    const offsets = new OffsetCommitter(async (o) => {
      if (fail) throw new Error('broker away');
      commits.push(o);
    }, logger);
    offsets.handled('t', 0, '1');
    offsets.handled('t', 1, '1');
    await offsets.flush();
    expect(offsets.pendingCount).toBe(2);
    offsets.handled('t', 1, '5');
    fail = false;
    await offsets.flush();
    expect(commits).toEqual([
      [
        { topic: 't', partition: 0, offset: '2' },
        { topic: 't', partition: 1, offset: '6' },
      ],
    ]);
  });

  it('when the group was joined again, then what this member held is not committed', async () => {
    const commit = jest.fn(async () => undefined);
    const offsets = new OffsetCommitter(commit, logger);
    offsets.handled('t', 0, '1');
    offsets.forget();
    await offsets.flush();
    expect(commit).not.toHaveBeenCalled();
  });
});
