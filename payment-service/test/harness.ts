import { startRig } from '../../test/support/component';
import { createApp } from '../src/app';
import { createGatewayClient } from '../src/clients/gateway-client';
import { withGatewayMetrics } from '../src/clients/gateway-metrics';
import { createHandlers } from '../src/handlers';
import { GatewayQuestionsJob } from '../src/jobs/gateway-questions-job';
import { RecoverySweeper } from '../src/jobs/recovery-sweeper';
import { PaymentStore } from '../src/store/payment-store';
import { PaymentAuthorizer } from '../src/usecases/authorize-payment';
import { GatewayQuestions } from '../src/usecases/gateway-questions';
import { StrandedCharges } from '../src/usecases/stranded-charges';

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
  const { redis, prefix, outbox, logger } = rig;
  const store = new PaymentStore(redis, outbox, prefix);
  const gateway = withGatewayMetrics(
    createGatewayClient({
      baseURL: gatewayUrl,
      maxRetries: 2,
      attemptTimeoutMs: 1000,
      backoffBaseMs: 10,
    }),
    rig.metrics,
  );
  const stranded = new StrandedCharges(rig.metrics, logger);
  const authorizer = new TrackedAuthorizer({ store, gateway, outbox, logger, stranded, leaseMs: 60_000 });
  const sweeper = new RecoverySweeper(store, authorizer, logger, 100);
  const questions = new GatewayQuestionsJob({
    store,
    questions: new GatewayQuestions({ store, gateway, stranded, logger }),
    logger,
    intervalMs: 100,
    // Held 200 ms (not 30 s), so a question the gateway could not answer is asked again soon.
    holdMs: 200,
  });
  sweeper.start();
  questions.start();
  // Checkout's component tests, beside these, create orders whose order.created reaches this group
  // too: charged here, they would be confirmed under those tests' feet. These tests publish their own.
  const consumer = await rig.consume(createHandlers(store, authorizer), {
    skip: (event) => event.source === '/checkout-service',
  });
  return {
    app: createApp({ ...rig, store }),
    store,
    redis,
    prefix,
    outbox,
    handled: consumer.handled,
    /** Every charge started so far has finished (and written its outcome to the outbox, if any). */
    authorizerIdle: () => authorizer.idle(),
    async stop() {
      await consumer.stop();
      await Promise.all([questions.stop(), sweeper.stop()]);
      await authorizer.drain();
      await rig.stop();
    },
  };
}
