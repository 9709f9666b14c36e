import type { Express, NextFunction, Request, Response } from 'express';
import { cut } from '@checkout/contracts';

/** What this reads of express' router (router 2): its layers, their routes and nested routers. */
interface Layer {
  match(path: string): { path: string } | false;
  route?: { methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

function routeMethods(stack: Layer[], path: string, into: Set<string>): Set<string> {
  for (const layer of stack) {
    const matched = layer.match(path);
    if (!matched) continue;
    if (layer.route) {
      for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') into.add(method);
    } else if (layer.handle?.stack) {
      routeMethods(layer.handle.stack, path.slice(matched.path.length) || '/', into);
    }
  }
  return into;
}

/** The methods the app's routes take at `path`, HEAD with GET, upper case; empty for an unknown path. */
function allowedMethods(app: Express, path: string): string[] {
  const methods = routeMethods((app.router as unknown as { stack: Layer[] }).stack, path, new Set());
  if (methods.has('get')) methods.add('head');
  return [...methods].map((m) => m.toUpperCase());
}

/**
 * OPTIONS on a path with routes: 204 with `Allow`, the same for every path whichever router holds
 * its routes. Registered before the routes (a nested router would otherwise answer it with its own
 * methods only); a CORS preflight, when CORS is on, was answered before this.
 */
export function answerOptions(app: Express) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'OPTIONS') return next();
    const allowed = allowedMethods(app, req.path);
    if (allowed.length === 0) return next();
    res.setHeader('Allow', [...allowed, 'OPTIONS'].join(', '));
    res.status(204).end();
  };
}

/**
 * After the routes: a path that has routes, none of them for this method, answers 405 with `Allow`
 * (`GET /checkout`), where a 404 would say the path does not exist.
 */
export function methodNotAllowed(app: Express) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const allowed = allowedMethods(app, req.path);
    // No route here, or a route of this method that passed the request on: the 404 answers.
    if (allowed.length === 0 || allowed.includes(req.method)) return next();
    const allow = [...allowed, 'OPTIONS'].join(', ');
    res.setHeader('Allow', allow);
    res.status(405).json({
      error: 'METHOD_NOT_ALLOWED',
      message: `${req.method} is not allowed on ${cut(req.path, 200)}: use ${allowed.join(', ')}`,
      details: [],
    });
  };
}
