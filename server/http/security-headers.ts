import type { RequestHandler } from 'express';

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
 */
export function securityHeaders({ frameAncestors = "'self'" }: SecurityHeaderOptions = {}): RequestHandler {
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
  return (_req, res, next) => {
    res.set(headers);
    next();
  };
}
