import { Router } from 'express';

/** Liveness (the process answers) and readiness (`ready()`: sampling, and Redis reachable where used). Never behind a token. */
export function healthRouter(ready: () => boolean): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', (_req, res) => {
    const ok = ready();
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'starting' });
  });
  return r;
}
