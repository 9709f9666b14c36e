import { useChaosSystem } from '../support/chaos';
import { contestedStock } from './contested-stock';

const system = useChaosSystem();

describe('concurrent checkouts for scarce stock (one instance of each service)', () => {
  it('when 200 checkouts race for 50 units, then exactly 50 sell, no level goes negative and every order ends cleanly', async () => {
    await contestedStock('concurrency x1', system());
  });
});
