import type { Server } from 'node:http';
import type { Redis } from 'ioredis';
import { closeServer, stopKeepAlive } from './http/server';
import type { EventConsumer } from './kafka/consumer';
import type { Publisher } from './kafka/publisher';
import type { Outbox } from './outbox';
import type { BaseConfig } from './runtime-options';
import type { ShutdownStep } from './shutdown';
import { stopTracing } from './tracing/otel';

export interface StoppableParts {
  server?: Server;
  consumer?: EventConsumer;
  outbox?: Outbox;
  publisher?: Publisher;
  redis?: Redis;
}

/**
 * The runtime's shutdown steps in order, `extraSteps` after the consumer stopped and before the
 * connections close. `parts` is read when a step runs, not when the list is made.
 */
export function runtimeShutdownSteps(
  config: BaseConfig,
  parts: () => StoppableParts,
  extraSteps: ShutdownStep[],
): ShutdownStep[] {
  return [
    // Readiness is 503 from the signal on; keep serving briefly so probes see it before the port
    // closes, and tell keep-alive clients to reconnect elsewhere meanwhile.
    [
      'readiness',
      () => {
        const { server } = parts();
        if (server) stopKeepAlive(server);
        return new Promise((r) => setTimeout(r, config.SHUTDOWN_DRAIN_DELAY_MS));
      },
    ],
    [
      'http',
      () => {
        const { server } = parts();
        return server ? closeServer(server) : Promise.resolve();
      },
    ],
    ['consumer', () => parts().consumer?.stop() ?? Promise.resolve()],
    ...extraSteps,
    ['outbox', () => parts().outbox?.stop() ?? Promise.resolve()],
    ['producer', () => parts().publisher?.disconnect() ?? Promise.resolve()],
    ['redis', () => parts().redis?.quit() ?? Promise.resolve()],
    ['tracing', () => stopTracing()],
  ];
}
