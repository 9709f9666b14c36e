import { Router } from 'express';
import { parseInput, requireAdmin } from '@checkout/chassis';
import type { FaultControl } from '../domain/fault-control';
import { ControlRequest } from './schemas';

/** Fault injection for tests. Reading the settings and the request count needs no token. */
export function controlRouter(faults: FaultControl, adminToken: string | undefined): Router {
  const router = Router();
  router.post('/_control', requireAdmin(adminToken), (req, res) => {
    // No body at all is `{}`; one that is not JSON (a form's `failRate=0.5`) is a 400, where it reset everything.
    const sentNothing =
      req.body === undefined && !req.headers['transfer-encoding'] && !Number(req.headers['content-length']);
    const { reset, ...change } = parseInput(ControlRequest, sentNothing ? {} : req.body);
    // `{}` resets; `reset: false` says not to, with or without a change beside it.
    if (reset ?? Object.keys(change).length === 0) faults.reset();
    faults.update(change);
    res.json(faults.snapshot());
  });
  router.get('/_control', (_req, res) => {
    res.json(faults.snapshot());
  });
  return router;
}
