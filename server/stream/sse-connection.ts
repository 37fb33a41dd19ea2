import type { IncomingMessage, ServerResponse } from 'node:http';
import { Connection } from 'better-sse';

/** The stream's response headers, on top of what middleware already set on `res`. */
const HEADERS: Readonly<Record<string, string>> = {
  ...Connection.constants.RESPONSE_HEADERS,
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
};

/**
 * A better-sse `Connection` (its extension point for frameworks) that only opens
 * the stream: better-sse's Session writes the head and the `retry:` field through
 * it, and from then on StreamServer writes every frame to `res` itself.
 *
 * better-sse's own NodeHttp1Connection wraps each request in a WHATWG `Request`,
 * `Response`, two `URL`s and an `AbortController`, and hangs listeners on req and
 * res that keep the Session alive for as long as the stream lasts: about 8.5 KB of
 * heap per client, for objects we never read. This one hangs nothing on req or
 * res, so once the session has opened, the Session and this connection are
 * garbage. What Session reads of a connection (better-sse 0.16, Session.ts):
 * `url.searchParams` once when it opens (the `padding` and `evs_preamble`
 * options of EventSource polyfills), `request.signal` to learn of a disconnect
 * (StreamServer watches `res` for that instead), and `request.headers` only when
 * trustClientEventId is on (it is off: StreamServer reads Last-Event-ID). A test
 * (tests/stream.test.ts) fails if a better-sse upgrade starts reading more.
 */
export class OpeningConnection extends Connection {
  readonly url: URL;
  readonly request: Request;
  private readonly statusCode = Connection.constants.RESPONSE_CODE;

  constructor(
    req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {
    super();
    res.socket?.setNoDelay(true);
    this.url = new URL(req.url ?? '/', 'http://localhost');
    // Session only adds and removes its abort listener on this signal; it is
    // never aborted, and goes with the connection.
    this.request = { signal: new AbortController().signal } as Request;
  }

  /** Built only if someone asks (Session.getResponse); nothing here does. */
  get response(): Response {
    return new Response(null, { status: this.statusCode, headers: HEADERS });
  }

  sendHead = (): void => {
    this.res.writeHead(this.statusCode, HEADERS);
    flattenHead(this.res);
  };

  sendChunk = (chunk: string): void => {
    this.res.write(chunk);
  };

  cleanup = (): void => {};
}

/**
 * Node builds a response's head by appending each header to a string and keeps
 * it (`_header`) for as long as the response lasts: for a stream, a tree of ~50
 * string pieces, 1.5 KB of heap per client in bench-memory. The same text as one
 * flat string is half that. Node only tests it for truthiness once it is sent
 * (headersSent), and writes it as latin1, so the copy is byte for byte the same.
 */
function flattenHead(res: ServerResponse): void {
  const r = res as ServerResponse & { _header?: unknown };
  if (typeof r._header === 'string') r._header = Buffer.from(r._header, 'latin1').toString('latin1');
}

/** Stands for a head that has gone out: Node only tests it for truthiness from then on. */
const SENT_HEAD = 'HTTP/1.1 200 OK\r\n\r\n';
/** What `getHeader` still finds on a stream once its head is out: what the request metrics ask. */
const SENT_HEADERS = Object.freeze({ 'content-type': Object.freeze(['Content-Type', HEADERS['Content-Type']]) });
let outHeaders: symbol | undefined;

/**
 * Once a stream's head has gone out with its first write (`_headerSent`), Node
 * keeps its text (`_header`) only as a flag (headersSent; "not again") and its map
 * of header names to [name, value] arrays for `getHeader`, for as long as the
 * stream lasts: ~1 KB of heap per client in bench-memory. Both become shared
 * constants: the flag a short string, the map one object with the Content-Type
 * alone (the request metrics read it to leave streams out of latency). Every
 * setter throws once the head is sent, so nothing writes to them.
 */
export function releaseHead(res: ServerResponse): void {
  const r = res as ServerResponse & { _header?: unknown; _headerSent?: unknown } & Record<symbol, unknown>;
  if (r._headerSent !== true || typeof r._header !== 'string') return;
  outHeaders ??= Object.getOwnPropertySymbols(res).find((s) => s.description === 'kOutHeaders');
  if (!outHeaders || res.getHeader('content-type') !== HEADERS['Content-Type']) return;
  r._header = SENT_HEAD;
  r[outHeaders] = SENT_HEADERS;
}
