import { waitUntilCaughtUp, type Runtime } from '@checkout/chassis';
import type { ExpirySweeper } from './expiry-sweeper';

/**
 * Starts the expiry sweeper once the payment outcomes waiting at start-up are handled. After an
 * outage longer than the reservation TTL, a payment.authorized may be queued for a reservation
 * already past its expiry: released first, its units could go to the orders queued beside it, and
 * the paid order would hold none. Until Kafka answers, nothing is released.
 */
export async function startSweeperWhenCaughtUp(
  runtime: Pick<Runtime, 'untilDone' | 'health'>,
  kafka: Parameters<typeof waitUntilCaughtUp>[0],
  groupId: string,
  consumed: string[],
  sweeper: Pick<ExpirySweeper, 'start'>,
): Promise<void> {
  const outcomes = consumed.filter((topic) => topic.startsWith('payment.'));
  const stopped = () => runtime.health.shuttingDown;
  await runtime.untilDone(
    'telling whether the queued payment outcomes are handled (the expiry sweeper waits)',
    async () => {
      if (await waitUntilCaughtUp(kafka, groupId, outcomes, { stopped })) sweeper.start();
    },
  );
}
