import type { Response } from 'express';

/**
 * Tracks whether the client hung up (for instance its timeout fired) before we answered: such a
 * request is dropped undecided, as if it had never reached the gateway.
 */
export function watchClient(res: Response): () => boolean {
  let gone = false;
  res.once('close', () => {
    if (!res.writableFinished) gone = true;
  });
  return () => gone || res.destroyed;
}
