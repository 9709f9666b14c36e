import type { Response } from 'express';

/**
 * Tracks whether the client hung up (for instance its timeout fired) before we answered. Work not
 * yet done for such a request can be dropped undecided, as if the request had never arrived: the
 * client saw a failure and may send it again (the gateway mock's charges, checkout's orders).
 */
export function watchClient(res: Response): () => boolean {
  let gone = false;
  res.once('close', () => {
    if (!res.writableFinished) gone = true;
  });
  return () => gone || res.destroyed;
}
