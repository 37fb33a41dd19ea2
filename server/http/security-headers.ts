import type { IncomingMessage, ServerResponse } from 'node:http';

export interface SecurityHeaderOptions {
  /** CSP frame-ancestors source list (validated in config): who may put the page in an iframe. */
  frameAncestors?: string;
}

/**
 * Security headers on every response of Vigil, ours rather than helmet: six fixed
 * headers need no dependency, and helmet's defaults (e.g. COEP, `upgrade-insecure-requests`,
 * X-Frame-Options SAMEORIGIN) would break the iframe and plain-HTTP intranet uses
 * we are built for, so we would be overriding most of it anyway.
 *
 * CSP: scripts, styles, fetches and the stream from our own origin only; no inline
 * scripts; `data:` images for the favicon. Referrer-Policy no-referrer because the
 * page URL may carry `?token=`.
 *
 * Plain node:http (setHeader, what Express's `res.set` does for these): the stream's
 * route runs it before Express too (server/http/stream-first.ts).
 */
export function securityHeaders({ frameAncestors = "'self'" }: SecurityHeaderOptions = {}): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    `frame-ancestors ${frameAncestors}`,
  ].join('; ');
  const headers: Record<string, string> = {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
  // Old browsers ignore frame-ancestors; X-Frame-Options can only say these two.
  if (frameAncestors === "'self'") headers['X-Frame-Options'] = 'SAMEORIGIN';
  if (frameAncestors === "'none'") headers['X-Frame-Options'] = 'DENY';
  const entries = Object.entries(headers);
  return (_req, res, next) => {
    for (const [name, value] of entries) res.setHeader(name, value);
    next();
  };
}
