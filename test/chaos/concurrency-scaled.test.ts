import { useChaosSystem } from '../support/chaos';
import { contestedStock } from './contested-stock';

// Two members in one consumer group each: partitions split between them, Redis scripts are the
// only thing keeping their reservations and charges from colliding.
const system = useChaosSystem({ instances: { 'inventory-service': 2, 'payment-service': 2 } });

describe('concurrent checkouts for scarce stock (two instances of inventory and payment)', () => {
  it('when 200 checkouts race for 50 units across two group members, then exactly 50 sell and every order ends cleanly', async () => {
    const { system: s } = system();
    expect([...s.services.processes.keys()]).toEqual(
      expect.arrayContaining(['inventory-service#1', 'payment-service#1']),
    );
    await contestedStock('concurrency x2', system());
  });
});
