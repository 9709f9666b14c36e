import type { Response } from 'express';

/**
 * Tracks whether the client hung up (for instance its timeout fired) before we answered. Work not
 * yet done for such a request can be dropped undecided, as if the request had never arrived: the
 * client saw a failure and may send it again (the gateway mock's charges, checkout's orders).
 *
 * The client's FIN counts as hanging up: the server allows no half-open connections
 * (httpAllowHalfOpen is false), so Node ends its own side as soon as it reads the FIN, and no answer
 * can reach the client any more. 'close' comes a loop iteration or two later, and a request whose
 * replies came back in that gap looked alive: a client gone before checkout read its request (a
 * queued connection, a process resumed after a stall) got an order written and charged.
 */
export function watchClient(res: Response): () => boolean {
  let gone = false;
  res.once('close', () => {
    if (!res.writableFinished) gone = true;
  });
  const socket = res.req.socket;
  return () => gone || res.destroyed || socket.readableEnded || socket.destroyed;
}
