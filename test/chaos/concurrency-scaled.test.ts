import { CONSUMERS, useChaosSystem } from '../support/chaos';
import { contestedStock } from './contested-stock';

// Two members in every consumer group: partitions split between them, and Redis scripts are the
// only thing keeping their reservations, charges, order moves, audit records and notifications
// from colliding or repeating.
const system = useChaosSystem({ instances: Object.fromEntries(CONSUMERS.map((name) => [name, 2])) });

describe('concurrent checkouts for scarce stock (two instances of every service that consumes events)', () => {
  it('when 200 checkouts race for 50 units through two checkout instances and two group members each, then exactly 50 sell and every order ends cleanly', async () => {
    const { system: s } = system();
    expect([...s.services.processes.keys()]).toEqual(expect.arrayContaining(CONSUMERS.map((name) => `${name}#1`)));
    await contestedStock('concurrency x2', system());
  });
});
