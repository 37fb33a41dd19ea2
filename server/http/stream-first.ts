import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { safeParse } from 'zod';
import { StreamQuery } from '../../shared/query.js';
import type { StreamServer } from '../stream/stream-server.js';
import { bearerToken, type Secret } from './auth.js';

/** A middleware that uses node:http's request and response only (request log, metrics, security headers). */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

export interface StreamFirstDeps {
  stream: StreamServer;
  /** The router's middleware before its routes, in its order, each node:http only. */
  before: readonly NodeHandler[];
  /** READ_TOKEN's secret; null when reading is open. */
  readSecret: Secret | null;
  /** CORS is on (CORS_ORIGINS set): a request with an Origin header then goes through Express. */
  cors: boolean;
  /** The stream could not be opened after its head went out (Express's error handler would log it so). */
  onError: (err: unknown) => void;
}

/**
 * The standalone server's request listener: `GET /api/stream` is opened here,
 * straight from node:http's 'request' event, and everything else goes to the
 * Express app. An open stream lives for hours, and through Express its request
 * and response each got their own hidden class (Express sets their prototypes
 * per request) and kept the router's per-request state: ~4 KB of heap per client
 * in scripts/bench-memory.ts (an Express route against the bare floor).
 *
 * Only the plain case is taken: exactly `/api/stream`, no body, the connection
 * its own (not pipelined), a query that parses, the read token (if any) right,
 * no Origin when CORS is on, and the stream accepting. Everything else (errors,
 * 401, 503, CORS, HEAD, `/API/Stream/`) goes to Express and is answered there as
 * before. What runs here is what the router runs for a stream, in its order and
 * with the same functions: request log, request metrics, security headers, then
 * StreamServer.open; so the status, headers, body and log line are the same.
 * Mounted in another app (`app.use('/status', vigil.router)`), the router serves
 * the stream itself, as it always has.
 */
export function streamFirst(app: RequestListener, d: StreamFirstDeps): RequestListener {
  return (req, res) => {
    const query = plainStreamRequest(req, res, d);
    if (!query) {
      app(req, res);
      return;
    }
    let i = 0;
    const next = (): void => {
      const h = d.before[i++];
      if (h) h(req, res, next);
      else d.stream.open(req, res, query).catch((err: unknown) => failed(res, err, d.onError));
    };
    next();
  };
}

/** The parsed query of a request this listener may answer itself, or null to leave it to Express. */
function plainStreamRequest(req: IncomingMessage, res: ServerResponse, d: StreamFirstDeps): StreamQuery | null {
  const url = req.url ?? '';
  if (req.method !== 'GET' || !res.socket || !d.stream.accepting) return null;
  const q = url.indexOf('?');
  if ((q < 0 ? url : url.slice(0, q)) !== '/api/stream' || url.includes('#')) return null;
  const h = req.headers;
  if (h['transfer-encoding'] !== undefined || (h['content-length'] ?? '0') !== '0') return null;
  if (d.cors && h.origin !== undefined) return null;
  // node:querystring, as Express 5's default ('simple') query parser.
  const raw = parseQuery(q < 0 ? '' : url.slice(q + 1));
  if (d.readSecret) {
    const token = raw.token;
    if (!d.readSecret.matches(bearerToken(req)) && !(typeof token === 'string' && d.readSecret.matches(token))) return null;
  }
  const parsed = safeParse(StreamQuery, raw);
  return parsed.success ? parsed.data : null;
}

/** As Express's error handler does: log it, then a 500, or once the head has gone out, drop the connection. */
function failed(res: ServerResponse, err: unknown, log: (err: unknown) => void): void {
  log(err);
  if (!res.headersSent) {
    res.statusCode = 500;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(JSON.stringify({ error: 'internal error' }));
  } else res.destroy();
}
