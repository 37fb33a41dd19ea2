import type { RequestHandler } from 'express';

/**
 * CORS for an allow-list of exact origins (or `*`); with an empty list it does
 * nothing, so browsers keep the same-origin default. Credentials are never
 * allowed: Vigil's auth is a bearer token, not a cookie.
 */
export function cors(origins: readonly string[]): RequestHandler {
  if (origins.length === 0) return (_req, _res, next) => next();
  const any = origins.includes('*');
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (typeof origin !== 'string') return next();
    res.vary('Origin');
    if (!any && !allowed.has(origin)) {
      if (req.method === 'OPTIONS') {
        res.status(403).json({ error: 'origin not allowed: add it to CORS_ORIGINS' });
        return;
      }
      return next();
    }
    res.set('Access-Control-Allow-Origin', any ? '*' : origin);
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      res.set({
        'Access-Control-Allow-Methods': 'GET, HEAD, POST',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, Last-Event-ID',
        'Access-Control-Max-Age': '600',
      });
      res.status(204).end();
      return;
    }
    next();
  };
}
