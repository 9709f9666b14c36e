import { PeriodicJob, RepeatedFailure, type Logger } from '@checkout/chassis';
import { ChargeInterruptedError } from '../clients/charge-errors';
import type { PaymentStore } from '../store/payment-store';
import type { GatewayQuestions } from '../usecases/gateway-questions';

/**
 * Longest a question taken from a list stays this instance's: past one look-up with its retry at
 * the gateway client's timeouts, so another instance does not ask the same meanwhile; one this
 * instance could not finish (the gateway could not say, it stopped) is asked again after it.
 */
export const QUESTION_HOLD_MS = 30_000;

export interface GatewayQuestionsJobOptions {
  store: PaymentStore;
  questions: GatewayQuestions;
  logger: Logger;
  intervalMs: number;
  holdMs?: number;
}

/**
 * Every `intervalMs`, asks the gateway about the expired reservations whose order never came and
 * the payments due for a recheck (GatewayQuestions). A job of its own, beside the recovery sweeper,
 * so that a slow gateway never holds up the resuming of claims; stopping abandons the question
 * under way. The entries a pass takes are its own for `holdMs` (TAKE_DUE_LUA), and a pass ends
 * once half of that is used, so two instances do not ask about one entry at once. While the
 * gateway cannot say, a pass stops at the first such question, and that is logged as a failure
 * (then every 30 s while it lasts) until a question is answered again.
 */
export class GatewayQuestionsJob {
  private readonly job: PeriodicJob;
  private readonly stopping = new AbortController();
  private readonly unanswered: RepeatedFailure;
  private readonly holdMs: number;

  constructor(private readonly opts: GatewayQuestionsJobOptions) {
    this.holdMs = opts.holdMs ?? QUESTION_HOLD_MS;
    this.job = new PeriodicJob('payment gateway questions', opts.intervalMs, () => this.askOnce(), opts.logger);
    this.unanswered = new RepeatedFailure(
      opts.logger,
      'asking the gateway about expired reservations and failed payments',
    );
  }

  start(): void {
    this.job.start();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.job.stop();
  }

  async askOnce(): Promise<void> {
    const { store, questions } = this.opts;
    const { signal } = this.stopping;
    const asks = [
      ...(await store.takeDueAwaiting(this.holdMs)).map((o) => () => questions.expireAwaiting(o, signal)),
      ...(await store.takeDueRechecks(this.holdMs)).map((o) => () => questions.recheckFailed(o, signal)),
    ];
    const startedAt = Date.now();
    for (const [i, ask] of asks.entries()) {
      if (signal.aborted) return;
      // The entries are this instance's only for their hold: a pass that has used half of it
      // leaves the rest to be taken again, rather than ask what another instance may take meanwhile.
      if (i > 0 && Date.now() - startedAt > this.holdMs / 2) return;
      try {
        await ask();
        this.unanswered.succeeded();
      } catch (err) {
        if (!(err instanceof ChargeInterruptedError)) throw err;
        // The gateway cannot say: the rest are not asked now either, rather than each waiting out
        // its own timeout; all are asked again once their hold ends.
        if (!signal.aborted) this.unanswered.failed(err);
        return;
      }
    }
  }
}
