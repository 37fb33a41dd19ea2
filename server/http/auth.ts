import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Request, RequestHandler } from 'express';
import { HttpError } from './http-error.js';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * A shared secret held only as its SHA-256. Candidates are hashed too, so the
 * comparison is constant-time whatever their length (timingSafeEqual needs equal
 * lengths) and the secret itself is never kept where a log or dump could show it.
 */
export class Secret {
  private readonly hash: Buffer;

  constructor(token: string) {
    this.hash = digest(token);
  }

  matches(candidate: string | undefined): boolean {
    if (candidate === undefined) return false;
    return timingSafeEqual(this.hash, digest(candidate));
  }

  /** Never serialise the hash either (a logged Secret shows nothing). */
  toJSON(): string {
    return '[secret]';
  }
}

/** The token of `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(h);
  return m ? m[1] : undefined;
}

const unauthorized = (what: string) =>
  new HttpError(401, `missing or wrong token: ${what}`, { 'WWW-Authenticate': 'Bearer realm="vigil"' });

/** Requires `Authorization: Bearer <secret>`; answers 401 naming the setting, never the token. */
export function requireBearer(secret: Secret, setting: string): RequestHandler {
  return (req, _res, next) => {
    next(secret.matches(bearerToken(req)) ? undefined : unauthorized(`send Authorization: Bearer <${setting}>`));
  };
}

/**
 * Guards reading (page, stream, snapshot, channels, metrics) when READ_TOKEN is set:
 * `Authorization: Bearer` or `?token=` (EventSource cannot send headers). With no
 * secret it lets everything through. `open(req)` exempts paths that hold no data.
 */
export function requireReadToken(secret: Secret | null, open: (req: Request) => boolean = () => false): RequestHandler {
  if (!secret) return (_req, _res, next) => next();
  return (req, _res, next) => {
    if (open(req)) return next();
    const q = req.query.token;
    const ok = secret.matches(bearerToken(req)) || (typeof q === 'string' && secret.matches(q));
    next(ok ? undefined : unauthorized('send Authorization: Bearer <READ_TOKEN> or ?token=<READ_TOKEN>'));
  };
}
