import { createHttpApp, type HttpAppDeps } from '@checkout/chassis';
import type { Express } from 'express';
import { ChargeLedger } from './domain/charge-ledger';
import { FaultControl } from './domain/fault-control';
import { Gateway } from './domain/gateway';
import { DEFAULT_MEMORY_LIMITS, type MemoryLimits } from './domain/memory';
import { TokenVault } from './domain/token-vault';
import { chargesRouter } from './routes/charges';
import { controlRouter } from './routes/control';
import { tokensRouter } from './routes/tokens';

export interface AppDeps extends HttpAppDeps {
  adminToken: string | undefined;
  /** Source of failRate's randomness; tests may pin it. */
  random?: () => number;
  /** What it remembers (tests make it small). */
  memory?: MemoryLimits;
}

/** Every app holds its own in-memory gateway: a fresh app is a fresh gateway. */
export function createApp(deps: AppDeps): Express {
  const memory = deps.memory ?? DEFAULT_MEMORY_LIMITS;
  const vault = new TokenVault(memory);
  const ledger = new ChargeLedger(memory);
  const faults = new FaultControl(deps.random);
  const gateway = new Gateway(vault, ledger, faults, memory);
  return createHttpApp(deps, (app) => {
    app.use(tokensRouter(vault));
    app.use(chargesRouter(gateway, ledger, faults));
    app.use(controlRouter(faults, deps.adminToken));
  });
}
