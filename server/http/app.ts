import type { RequestListener } from 'node:http';
import express, { type Express, type RequestHandler, type Router } from 'express';
import type { HostFacts } from '../../shared/schema.js';
import type { Config } from '../config.js';
import type { Checks } from '../checks/checks.js';
import type { Hub } from '../hub/hub.js';
import type { AppChannel } from '../sources/app-channel.js';
import type { HttpMetrics } from '../sources/http.js';
import type { StreamServer } from '../stream/stream-server.js';
import type { Projection } from '../windows/projection.js';
import type { Logger } from 'pino';
import type { StreamSettings } from '../../shared/schema.js';
import { requireReadToken, Secret } from './auth.js';
import { bodyTimeout } from './body-timeout.js';
import { cors } from './cors.js';
import { errorHandler, HttpError } from './http-error.js';
import { ingestRouter } from './ingest.js';
import { OtlpReceiver } from '../sources/otlp/otlp-receiver.js';
import type { PrometheusExport } from './prometheus.js';
import { TokenBucket } from './rate-limit.js';
import { requestLog } from './request-log.js';
import { healthRouter } from './health.js';
import { createRouter } from './router.js';
import { securityHeaders } from './security-headers.js';
import { statusHandler } from './status-route.js';
import { streamFirst, type NodeHandler } from './stream-first.js';
import { findPageDir } from './static-page.js';

/** What the HTTP layer reads of the pipeline (server/pipeline.ts builds it). */
export interface HttpPipeline {
  readonly logger: Logger;
  readonly settings: StreamSettings;
  readonly hub: Hub;
  readonly projection: Projection;
  readonly stream: StreamServer;
  readonly appChannel: AppChannel;
  readonly httpMetrics: HttpMetrics;
  readonly checks: Checks;
}

export interface HttpDeps {
  pipeline: HttpPipeline;
  /** false for an agent: health routes only. */
  servesClients: boolean;
  prometheus: PrometheusExport;
  ready: () => boolean;
  hostFacts: () => HostFacts | null;
  /** Where the built page is; null serves a 503 that says how to build it. */
  pageDir?: string | null;
}

export interface HttpParts {
  /** Page + API, relative paths: mount it anywhere. Includes the request-metrics middleware. */
  readonly router: Router;
  /** Request metrics for the host app's own routes (route-independent). */
  readonly middleware: RequestHandler;
  /** A standalone app: router at the root, a 404 and the error handler. */
  readonly app: Express;
  /** What the standalone server listens with: `app`, with GET /api/stream opened before Express (stream-first.ts). */
  readonly listener: RequestListener;
}

/** The HTTP face of a pipeline: Vigil's router, its request metrics, and a standalone app. */
export function createHttp(config: Config, d: HttpDeps): HttpParts {
  const { pipeline: p } = d;
  const middleware = countOnce(p.httpMetrics.middleware);
  const logError = (err: unknown) => p.logger.error({ err }, 'request failed');

  const log = requestLog(p.logger);
  const headers = securityHeaders({ frameAncestors: config.frameAncestors });
  const router = express.Router();
  router.use(log);
  router.use(bodyTimeout(config.bodyTimeout));
  router.use(middleware);
  router.use(headers);
  router.use(cors(config.corsOrigins));
  router.use(
    d.servesClients
      ? createRouter({
          hub: p.hub,
          projection: p.projection,
          stream: p.stream,
          settings: p.settings,
          ready: d.ready,
          hostFacts: d.hostFacts,
          pageDir: d.pageDir === undefined ? findPageDir() : d.pageDir,
          ingest: ingestRouter({
            app: p.appChannel,
            secret: config.ingest === 'on' && config.ingestToken ? new Secret(config.ingestToken) : null,
            source: config.source,
            bodyLimit: config.bodyLimit,
            maxMetrics: config.maxMetricsPerRequest,
            maxSkew: config.ingestMaxSkew,
            bucket: config.ingestRate > 0 ? new TokenBucket(config.ingestRate) : null,
            otlp: new OtlpReceiver(p.appChannel, config.window, config.source),
          }),
          readGuard: readGuard(config.readToken),
          metrics: d.prometheus.handler,
          // The states every instance holds from the hub's status events: on Redis, the judging one's.
          status: statusHandler({ get dashboards() { return p.checks.dashboards; }, list: () => p.checks.current(p.projection.checks()) }),
          dashboards: () => p.checks.dashboards,
        })
      : healthRouter(d.ready),
  );
  router.use(errorHandler(logError));

  const app = express();
  app.disable('x-powered-by');
  app.use(router);
  app.use((_req, _res, next) => next(new HttpError(404, 'not found')));
  app.use(errorHandler(logError));
  if (!d.servesClients) return { router, middleware, app, listener: app };
  // The router's middleware for a plain stream request: body timeout and CORS do nothing for it.
  const before: NodeHandler[] = [log, middleware, headers];
  const readSecret = config.readToken ? new Secret(config.readToken) : null;
  const listener = streamFirst(app, { stream: p.stream, before, readSecret, cors: config.corsOrigins.length > 0, onError: logError });
  return { router, middleware, app, listener };
}

/**
 * The page's hashed assets hold code, not data: open, so a page loaded with ?token=
 * can load them. Only one plain file name under assets/: no '..', no encoded
 * characters that static serving would decode.
 */
function readGuard(token: string | undefined): RequestHandler {
  return requireReadToken(
    token ? new Secret(token) : null,
    (req) => (req.method === 'GET' || req.method === 'HEAD') && /^\/assets\/[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(req.path) && !req.path.includes('..'),
  );
}

/**
 * A host app that uses both vigil.middleware and vigil.router must not count Vigil's own
 * requests twice. The mark is this instance's symbol, so two Vigils each count a request
 * once. It goes in res.locals (Express's per-request bag): marking req itself, or keeping
 * a WeakSet of requests, cost ~25 µs of CPU per request in scripts/bench-middleware.ts.
 * A stream opened before Express (stream-first.ts) has no locals and is counted once there.
 */
function countOnce(count: NodeHandler): NodeHandler {
  const counted = Symbol('vigil.counted');
  return (req, res, next) => {
    const locals = (res as { locals?: Record<symbol, unknown> }).locals;
    if (locals) {
      if (locals[counted]) return next();
      locals[counted] = true;
    }
    count(req, res, next);
  };
}
