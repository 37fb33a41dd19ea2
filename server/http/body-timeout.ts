import type { RequestHandler } from 'express';

/**
 * A request body must arrive whole within `ms` of the request: past it, the
 * request is answered 408 and its connection closed (or, if an answer has
 * started, the connection is dropped). The server's own requestTimeout is off
 * (a stream lasts for hours), so bodies get their own deadline here; requests
 * without a body start no timer. null: no deadline.
 */
export function bodyTimeout(ms: number | null): RequestHandler {
  if (!ms) return (_req, _res, next) => next();
  return (req, res, next) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
    if (!hasBody || req.complete) return next();
    const timer = setTimeout(() => {
      if (req.complete) return;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res
        .status(408)
        .set('Connection', 'close')
        .json({ error: `body: not received whole within ${ms} ms (BODY_TIMEOUT); send it at once` });
    }, ms);
    timer.unref();
    const clear = () => clearTimeout(timer);
    req.once('end', clear);
    res.once('close', clear);
    next();
  };
}
