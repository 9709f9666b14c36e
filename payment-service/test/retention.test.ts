import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { buildOrderCreated, buildStockReserved } from '@checkout/contracts';
import { waitFor } from '../../test/support';
import { startFakeGateway } from './fake-gateway';
import { startPaymentService } from './harness';

/**
 * A decided payment expires after RECORD_RETENTION_MS, and so does a half whose pair never came
 * (with its token): payment's Redis does not grow per order for good. The decided record is what
 * makes a redelivered order.created or stock.reserved a no-op, so it outlives what Kafka can still
 * redeliver (14 days by default: retention.ms plus segment.ms).
 */
const KAFKA_DEFAULT_KEEP_MS = 14 * 86_400_000;

let gateway: Awaited<ReturnType<typeof startFakeGateway>>;
let service: Awaited<ReturnType<typeof startPaymentService>>;

beforeAll(async () => {
  gateway = await startFakeGateway();
  service = await startPaymentService(gateway.url);
});
afterAll(async () => {
  await service?.stop();
  await gateway?.stop();
});

const payment = async (orderId: string) => (await request(service.app).get(`/payments/${orderId}`)).body;

describe('payment-service Redis retention', () => {
  it('when a payment is decided (AUTHORIZED), then its record expires after the redelivery window instead of living forever', async () => {
    const orderId = `ord_${randomUUID()}`;
    await service.publisher.publish('order.created', buildOrderCreated({ orderId }));
    await service.publisher.publish('stock.reserved', buildStockReserved({ orderId }));
    await waitFor(async () => (await payment(orderId)).status === 'AUTHORIZED', { what: 'the payment to be decided' });

    const pttl = await service.redis.pttl(`${service.prefix}:payments:${orderId}`);

    expect(pttl).toBeGreaterThanOrEqual(KAFKA_DEFAULT_KEEP_MS);
  });

  it('when an order never gets its reservation (inventory dead-lettered its order.created), then the PENDING half holding the card token does not stay forever', async () => {
    const orderId = `ord_${randomUUID()}`;
    await service.publisher.publish('order.created', buildOrderCreated({ orderId }));
    await waitFor(async () => (await payment(orderId)).status === 'PENDING', { what: 'the order to be held' });
    const key = `${service.prefix}:payments:${orderId}`;
    expect(await service.redis.hget(key, 'token')).toBe('tok_visa');

    const pttl = await service.redis.pttl(key);

    expect(pttl).toBeGreaterThan(0);
  });
});
