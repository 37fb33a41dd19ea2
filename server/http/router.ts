import type { RequestHandler, Router } from 'express';
import type { DashboardsFile } from '../../shared/dashboards.js';
import type { HostFacts, StreamSettings } from '../../shared/schema.js';
import { StreamQuery } from '../../shared/query.js';
import { parseOr400 } from './http-error.js';
import type { Hub } from '../hub/hub.js';
import type { Projection } from '../windows/projection.js';
import type { StreamServer } from '../stream/stream-server.js';
import { snapshotJson } from '../stream/snapshot-json.js';
import { pageHandler } from './static-page.js';
import { healthRouter } from './health.js';

export interface RouterDeps {
  hub: Hub;
  projection: Projection;
  stream: StreamServer;
  settings: StreamSettings;
  ready: () => boolean;
  hostFacts: () => HostFacts | null;
  pageDir: string | null;
  /** POST api/ingest with its own bearer check. */
  ingest?: Router;
  /** Runs before every reading route (page, stream, snapshot, channels, metrics); health stays open. */
  readGuard?: RequestHandler;
  /** GET metrics (Prometheus). */
  metrics?: RequestHandler;
  /** GET api/status (checks). */
  status?: RequestHandler;
  /** GET api/dashboards. */
  dashboards?: () => DashboardsFile;
}

/**
 * Every route of Vigil, with relative paths only, so the router can be mounted
 * at any prefix of any Express app (`app.use('/status', vigil.router)`).
 */
export function createRouter(d: RouterDeps): Router {
  const r = healthRouter(d.ready);
  if (d.ingest) r.use(d.ingest);
  if (d.readGuard) r.use(d.readGuard);
  // HEAD would never answer through the stream (Node sends a HEAD response's headers only on end()).
  r.head('/api/stream', (req, res) => {
    parseOr400(StreamQuery, req.query, 'query');
    res.status(200).set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' }).end();
  });
  r.get('/api/stream', d.stream.handle);
  r.get('/api/snapshot', (req, res) => {
    const q = parseOr400(StreamQuery, req.query, 'query');
    const filter = { channels: q.channels ? new Set(q.channels) : null, sources: q.sources ? new Set(q.sources) : null, span: q.span, tierPoints: q.points, compact: q.compact };
    res
      .set('Cache-Control', 'no-cache')
      .type('application/json')
      .send(snapshotJson(d.projection.snapshot(d.settings, filter, false, d.hub.epoch, Date.now(), q.history)));
  });
  r.get('/api/channels', (_req, res) => {
    res.set('Cache-Control', 'no-cache').json({ channels: d.projection.channels(), host: d.hostFacts() });
  });
  if (d.status) r.get('/api/status', d.status);
  const dashboards = d.dashboards;
  if (dashboards) r.get('/api/dashboards', (_req, res) => void res.set('Cache-Control', 'no-cache').json(dashboards()));
  if (d.metrics) r.get('/metrics', d.metrics);
  r.use(pageHandler(d.pageDir));
  return r;
}
