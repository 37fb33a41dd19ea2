import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
/** Health probes come every few seconds from Docker, systemd or a load balancer. */
const PROBE = /\/(healthz|readyz)$/;

/**
 * One structured line per request when it ends: id, method, path, status, ms.
 * The path is logged without its query string (it may hold `?token=`) and no
 * header is ever logged (Authorization). A caller's X-Request-Id is kept when it
 * is a plain word, else a new one is made; either way it is sent back.
 * Health probes are logged at debug: at info they would be most of the log, and
 * a `/readyz` 503 (Redis away, which redis-link logs once) is an answer, not an error.
 * Plain node:http types: the stream's route runs it before Express too
 * (server/http/stream-first.ts), where `originalUrl` is the request's own URL.
 */
export function requestLog(logger: Logger): (req: IncomingMessage & { originalUrl?: string }, res: ServerResponse, next: () => void) => void {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', id);
    // 'close' alone: a response emits it once, after 'finish' or when cut off, and
    // every listener an open stream holds is kept for as long as it lasts.
    res.on('close', () => {
      const status = res.writableFinished || res.headersSent ? res.statusCode : 499;
      const line = {
        reqId: id,
        method: req.method,
        path: pathOf(req.originalUrl ?? req.url ?? '/'),
        status,
        ms: Math.round(Number(process.hrtime.bigint() - start) / 1e4) / 100,
      };
      if (PROBE.test(line.path)) logger.debug(line, 'request');
      else if (status >= 500) logger.error(line, 'request');
      else logger.info(line, 'request');
    });
    next();
  };
}

/** The path alone, capped: the query string never reaches a log. */
function pathOf(url: string): string {
  const q = url.search(/[?#]/);
  const p = q < 0 ? url : url.slice(0, q);
  return p.length > 256 ? p.slice(0, 256) + '…' : p;
}
