import request from 'supertest';
import { RUNS, expectLookup, fc, hostileSegment } from '../../test/support/hostile';
import { startRig } from '../../test/support/component';
import { createApp } from '../src/app';
import { PaymentStore } from '../src/store/payment-store';

let rig: Awaited<ReturnType<typeof startRig>>;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  rig = await startRig('payment-service');
  app = createApp({ ...rig, store: new PaymentStore(rig.redis, rig.outbox, rig.prefix) });
});
afterAll(() => rig.stop());

describe('GET /payments/:orderId with hostile ids', () => {
  it('when the id is hostile, then 404 or 400, or the payment of the order it names', async () => {
    await fc.assert(
      fc.asyncProperty(hostileSegment, async (id) => {
        expectLookup(await request(app).get(`/payments/${id}`), id, 'orderId');
      }),
      { numRuns: RUNS },
    );
  });
});
