import type { Express, NextFunction, Request, Response } from 'express';

/** What this reads of express' router (router 2): its layers, their routes and nested routers. */
interface Layer {
  match(path: string): { path: string } | false;
  route?: { methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

function allowedMethods(stack: Layer[], path: string, into: Set<string>): Set<string> {
  for (const layer of stack) {
    const matched = layer.match(path);
    if (!matched) continue;
    if (layer.route) {
      for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') into.add(method);
    } else if (layer.handle?.stack) {
      allowedMethods(layer.handle.stack, path.slice(matched.path.length) || '/', into);
    }
  }
  return into;
}

/**
 * For a path that has routes, none of them for this method: 405 with `Allow` (`GET /checkout`),
 * where a 404 would say the path does not exist; 204 with `Allow` to an OPTIONS (a CORS preflight,
 * when CORS is on, was answered before this).
 */
export function methodNotAllowed(app: Express) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const allowed = allowedMethods((app.router as unknown as { stack: Layer[] }).stack, req.path, new Set());
    if (allowed.size === 0) return next();
    if (allowed.has('get')) allowed.add('head');
    // A route of this method that passed the request on (none does today) ends in a 404, not here.
    if (allowed.has(req.method.toLowerCase())) return next();
    const allow = [...allowed].map((m) => m.toUpperCase()).join(', ');
    res.setHeader('Allow', allow);
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    res.status(405).json({
      error: 'METHOD_NOT_ALLOWED',
      message: `${req.method} is not allowed on ${req.path}: use ${allow}`,
      details: [],
    });
  };
}
