import { randomUUID } from 'node:crypto';
import { testPublisher } from '../../test/support';
import { startRig } from '../../test/support/component';
import { createApp } from '../src/app';
import { createPaymentWith } from '../src/payment';
import { PaymentAuthorizer } from '../src/usecases/authorize-payment';

/** The service's authorizer, counting the charges it runs so a test can wait until none is left. */
class TrackedAuthorizer extends PaymentAuthorizer {
  private readonly running = new Set<Promise<void>>();

  override authorize(...args: Parameters<PaymentAuthorizer['authorize']>): Promise<void> {
    const run = super.authorize(...args);
    this.running.add(run);
    const done = () => void this.running.delete(run);
    run.then(done, done);
    return run;
  }

  /** Resolves once no charge is running (charges started meanwhile are waited for too); unlike drain(), stops nothing. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}

/** payment-service wired as main.ts does, on the test run's real Redis and Kafka, under its own prefix and group. */
export async function startPaymentService(gatewayUrl: string) {
  const rig = await startRig('payment-service');
  const { redis, prefix, outbox, logger, metrics } = rig;
  const { store, authorizer, handlers, startJobs, stopJobs } = createPaymentWith(
    {
      redis,
      outbox,
      logger,
      metrics,
      prefix,
      settings: {
        PAYMENT_GATEWAY_URL: gatewayUrl,
        PAYMENT_MAX_RETRIES: 2,
        PAYMENT_ATTEMPT_TIMEOUT_MS: 1000,
        PAYMENT_BACKOFF_BASE_MS: 10,
        PAYMENT_LEASE_MS: 60_000,
        PAYMENT_SWEEP_INTERVAL_MS: 100,
      },
      // Held 200 ms (not 30 s), so a question the gateway could not answer is asked again soon.
      questionHoldMs: 200,
    },
    (deps) => new TrackedAuthorizer(deps),
  );
  startJobs();
  // The broker is shared with the other test files running beside these: checkout's tests create
  // orders, inventory's answer theirs with stock.reserved, other payment files run a service of their
  // own. Charged here, those orders would move on under their tests' feet (and be charged twice). This
  // service handles only what its own publisher sends, from a source no other file uses.
  const source = `/test/payment-${randomUUID()}`;
  const [consumer, publisher] = await Promise.all([
    rig.consume(handlers, { skip: (event) => event.source !== source }),
    testPublisher(undefined, { source }),
  ]);
  return {
    app: createApp({ ...rig, store }),
    store,
    redis,
    prefix,
    outbox,
    handled: consumer.handled,
    /** Publishes the events this service is meant to handle. */
    publisher,
    /** Every charge started so far has finished (and written its outcome to the outbox, if any). */
    authorizerIdle: () => authorizer.idle(),
    async stop() {
      await Promise.all([consumer.stop(), publisher.stop()]);
      await stopJobs();
      await authorizer.drain();
      await rig.stop();
    },
  };
}
