import type { ErrorRequestHandler } from 'express';
import { safeParse, type core } from 'zod';

/** An error with an HTTP status whose message is safe to show when the status is 4xx. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** "field: what was wrong" for each zod issue, joined; the path names the field. */
export function describeZodError(error: core.$ZodError, root = 'body'): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : root}: ${issueMessage(i)}`)
    .join('; ');
}

/** A record key's own problem ("label name must be …") rather than zod's "Invalid key in record". */
function issueMessage(i: core.$ZodIssue): string {
  if (i.code === 'invalid_key' && i.issues.length) return `key ${JSON.stringify(String((i as { input?: unknown }).input ?? ''))}: ${i.issues[0].message}`;
  return i.message;
}

/** Parses with any zod schema (classic or mini); a failure is a 400 naming the field. */
export function parseOr400<S extends core.$ZodType>(schema: S, value: unknown, root: string): core.output<S> {
  const r = safeParse(schema, value);
  if (!r.success) throw new HttpError(400, describeZodError(r.error, root));
  return r.data;
}

/**
 * The one error middleware: 4xx show their message, 5xx show nothing of the
 * internals and are logged. Errors from body-parser carry `status` and `type`.
 */
export function errorHandler(log: (err: unknown) => void): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let status = 500;
    let message = 'internal error';
    let headers: Record<string, string> = {};
    if (err instanceof HttpError) {
      status = err.status;
      headers = err.headers;
      if (status < 500) message = err.message;
    } else if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
      status = err.status;
      message = bodyParserMessage(err, req.headers['content-encoding']);
    }
    if (status >= 500) log(err);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // A body still coming (refused before it was read, e.g. a 401): Node would read
    // and discard it for as long as the client trickles it. Close once answered.
    if (!req.complete) res.set('Connection', 'close');
    res.status(status).set(headers).json({ error: message });
  };
}

/** Encodings body-parser decodes; any other was refused with 415 before reading. */
const DECODED = new Set(['gzip', 'deflate', 'br', 'zstd']);

function bodyParserMessage(err: { type?: string; limit?: number; status: number }, contentEncoding: string | undefined): string {
  const encoding = contentEncoding?.trim().toLowerCase() ?? 'identity';
  switch (err.type) {
    case 'entity.parse.failed':
      return 'body: not valid JSON';
    case 'entity.too.large':
      return `body: larger than the limit of ${err.limit} bytes`;
    case 'encoding.unsupported':
      return 'Content-Encoding: unsupported; send the body as is, or as gzip, deflate or br';
    case 'charset.unsupported':
      return 'body: unsupported charset; send UTF-8 JSON';
    case 'request.aborted':
      return 'body: the request ended before its body did';
    case undefined:
      // A decompression error (zlib's, so no body-parser type): the body is not what its header says.
      if (DECODED.has(encoding)) return `body: could not be decoded as ${encoding} (Content-Encoding: ${encoding}); send it encoded so, or without Content-Encoding`;
      return `request rejected (${err.status})`;
    default:
      return `request rejected (${err.status})`;
  }
}
