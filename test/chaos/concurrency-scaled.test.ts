import { useChaosSystem } from '../support/chaos';
import { contestedStock } from './contested-stock';

// Two members in every consumer group: partitions split between them, and Redis scripts are the
// only thing keeping their reservations, charges, order moves, audit records and notifications
// from colliding or repeating.
const SCALED = [
  'checkout-service',
  'inventory-cache-service',
  'inventory-service',
  'payment-service',
  'notification-service',
  'audit-service',
];
const system = useChaosSystem({ instances: Object.fromEntries(SCALED.map((name) => [name, 2])) });

describe('concurrent checkouts for scarce stock (two instances of every service that consumes events)', () => {
  it('when 200 checkouts race for 50 units across two group members, then exactly 50 sell and every order ends cleanly', async () => {
    const { system: s } = system();
    expect([...s.services.processes.keys()]).toEqual(expect.arrayContaining(SCALED.map((name) => `${name}#1`)));
    await contestedStock('concurrency x2', system());
  });
});
