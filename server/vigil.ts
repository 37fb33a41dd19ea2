import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type RequestHandler, type Router } from 'express';
import { pino, type Logger } from 'pino';
import type { StreamSettings } from '../shared/schema.js';
import type { Config } from './config.js';
import { errorHandler, HttpError } from './http-error.js';
import type { Hub } from './hub.js';
import { Projection } from './projection.js';
import { agentRouter, createHub, samplesHost, servesClients } from './roles.js';
import { createRouter } from './router.js';
import { Sampler, type Source } from './sampler.js';
import { SeriesWindows } from './series-windows.js';
import { createHostSource } from './sources/host.js';
import { HttpMetrics } from './sources/http.js';
import { ProcessSource } from './sources/process.js';
import { findPageDir } from './static-page.js';
import { readHostFacts } from './host-facts.js';
import type { HostFacts } from '../shared/schema.js';
import { StreamServer } from './stream.js';
import { AppChannel } from './app-channel.js';
import { requireReadToken, Secret } from './auth.js';
import { cors } from './cors.js';
import { ingestRouter } from './ingest.js';
import { PrometheusExport } from './prometheus.js';
import { TokenBucket } from './rate-limit.js';
import { requestLog } from './request-log.js';
import { securityHeaders } from './security-headers.js';

export interface VigilDeps {
  hub?: Hub;
  logger?: Logger;
  /** Replaces the built-in sources (host, process, http); tests and agents pass their own. */
  sources?: (builtIn: { http: HttpMetrics; process: ProcessSource; host: () => Source }) => Source[];
  pageDir?: string | null;
}

export interface Vigil {
  readonly config: Config;
  /** Page + API, relative paths: mount it anywhere. Includes the request-metrics middleware. */
  readonly router: Router;
  /** Request metrics for the host app's own routes (route-independent). */
  readonly middleware: RequestHandler;
  /** A standalone app: router at the root plus the error handler. */
  readonly app: Express;
  readonly hub: Hub;
  readonly projection: Projection;
  readonly stream: StreamServer;
  readonly windows: SeriesWindows;
  /** Metrics pushed through api/ingest (or by the host app directly, already validated). */
  readonly appChannel: AppChannel;
  /** Registry of this instance's own metrics (prom-client); GET metrics serves it. */
  readonly prometheus: PrometheusExport;
  readonly logger: Logger;
  /** Starts sampling and the stream; with `listen` also an HTTP server on config.port. */
  start(opts?: { listen?: boolean }): Promise<void>;
  /** Stops everything it started; safe to call twice. */
  stop(): Promise<void>;
  /** http://host:port once listening. */
  readonly url: string;
  readonly server: Server | null;
}

/** Wires Vigil together. Starts nothing: call start(). */
export function createVigil(config: Config, deps: VigilDeps = {}): Vigil {
  // Redaction is a second line of defence: nothing of ours logs headers or tokens.
  const logger =
    deps.logger ??
    pino({ level: config.logLevel, base: { source: config.source }, redact: { paths: ['authorization', '*.authorization', 'token', '*.token'], censor: '[redacted]' } });
  const hub = deps.hub ?? createHub(config, logger);
  const settings: StreamSettings = { interval: config.interval, window: config.window, history: config.history, heartbeat: config.heartbeat };
  const windows = new SeriesWindows({ span: config.window, trendThreshold: config.trendThreshold }, config.maxSeries + 512);
  const projection = new Projection(hub, { history: config.history, maxSeries: config.maxSeries + 512 });
  const stream = new StreamServer(hub, projection, {
    settings,
    retry: config.retry,
    maxClients: config.maxClients,
    clientBuffer: config.clientBuffer,
  });
  const http = new HttpMetrics();
  const processSource = new ProcessSource(() => stream);
  const host = () => createHostSource({ diskUsageEvery: config.diskUsageInterval || null, onError: (err) => logger.warn({ err }, 'disk usage failed') });
  const sources = !samplesHost(config) ? [] : deps.sources ? deps.sources({ http, process: processSource, host }) : [host(), processSource, http];
  const sampler = new Sampler({
    hub,
    windows,
    source: config.source,
    interval: config.interval,
    onError: (err, src) => logger.warn({ err, channel: src.channel }, 'sampling failed'),
  }).add(...sources);

  const appChannel = new AppChannel({ hub, windows, maxSeries: config.maxSeries, coalesce: config.ingestCoalesce || null });
  const prometheus = new PrometheusExport({ latest: () => projection.latest() });
  const ingest = ingestRouter({
    app: appChannel,
    secret: config.ingest === 'on' && config.ingestToken ? new Secret(config.ingestToken) : null,
    source: config.source,
    bodyLimit: config.bodyLimit,
    maxMetrics: config.maxMetricsPerRequest,
    maxSkew: config.ingestMaxSkew,
    bucket: config.ingestRate > 0 ? new TokenBucket(config.ingestRate) : null,
  });
  // The page's hashed assets hold code, not data: open, so a page loaded with ?token= can load them.
  // Only one plain file name under assets/: no '..', no encoded characters that static serving would decode.
  const readGuard = requireReadToken(
    config.readToken ? new Secret(config.readToken) : null,
    (req) => (req.method === 'GET' || req.method === 'HEAD') && /^\/assets\/[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(req.path) && !req.path.includes('..'),
  );

  // A hub whose epoch changes (Redis reset) rebuilds the projection from the new epoch, then resets every client.
  hub.onReset?.(({ fromId, recent }) => {
    projection.clear(fromId);
    for (const e of recent) projection.apply(e);
    stream.resetAll();
  });

  const ready = () => started && sampler.rounds > 0 && (hub.ready?.() ?? true);
  // A host app that uses both vigil.middleware and vigil.router must not count Vigil's own
  // requests twice. The mark is this instance's symbol, so two Vigils each count a request
  // once. It goes in res.locals (Express's per-request bag): marking req itself, or keeping
  // a WeakSet of requests, cost ~25 µs of CPU per request in scripts/bench-middleware.ts.
  const counted = Symbol('vigil.counted');
  const requestMetrics: RequestHandler = (req, res, next) => {
    const locals = res.locals as Record<symbol, unknown> | undefined;
    if (locals) {
      if (locals[counted]) return next();
      locals[counted] = true;
    }
    http.middleware(req, res, next);
  };

  const router = express.Router();
  router.use(requestLog(logger));
  router.use(requestMetrics);
  router.use(securityHeaders({ frameAncestors: config.frameAncestors }));
  router.use(cors(config.corsOrigins));
  router.use(
    servesClients(config)
      ? createRouter({
          hub,
          projection,
          stream,
          settings,
          ready,
          hostFacts: () => hostFacts,
          pageDir: deps.pageDir === undefined ? findPageDir() : deps.pageDir,
          ingest,
          readGuard,
          metrics: prometheus.handler,
        })
      : agentRouter(ready),
  );
  const logError = (err: unknown) => logger.error({ err }, 'request failed');
  router.use(errorHandler(logError));

  const app = express();
  app.disable('x-powered-by');
  app.use(router);
  app.use((_req, _res, next) => next(new HttpError(404, 'not found')));
  app.use(errorHandler(logError));

  let server: Server | null = null;
  let started = false;
  let hostFacts: HostFacts | null = null;
  let url = '';

  return {
    config,
    router,
    middleware: requestMetrics,
    app,
    hub,
    projection,
    stream,
    windows,
    appChannel,
    prometheus,
    logger,
    get url() {
      return url;
    },
    get server() {
      return server;
    },
    async start({ listen = true } = {}) {
      if (started) return;
      // Subscribed before the hub starts, so a Redis hub's first events reach both.
      projection.start();
      stream.start();
      await hub.start();
      started = true;
      await Promise.all([
        sampler.start(),
        readHostFacts(config.source).then((f) => (hostFacts = f)),
      ]);
      if (listen) {
        server = createServer(app);
        // Streams live for hours; only idle keep-alive sockets should time out.
        server.requestTimeout = 0;
        await new Promise<void>((resolve, reject) => {
          server!.once('error', reject);
          server!.listen(config.port, config.host, () => resolve());
        });
        const addr = server.address() as AddressInfo;
        const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
        url = `http://${h === '0.0.0.0' ? '127.0.0.1' : h === '[::]' ? '[::1]' : h}:${addr.port}`;
        logger.info({ url }, 'listening');
      }
    },
    async stop() {
      if (!started) return;
      started = false;
      // Stop accepting first, so a client that reconnects at once finds the next
      // instance (or nothing, and retries) rather than a 503 that ends its EventSource.
      const s = server;
      server = null;
      const closed = s && new Promise<void>((resolve) => s.close(() => resolve()));
      stream.stop();
      if (s) {
        s.closeIdleConnections();
        // Ended streams close once flushed; a client that reads nothing, or a socket
        // that never sent a request (a browser's preconnect), would hold close() open.
        const grace = setTimeout(() => s.closeAllConnections(), 500);
        await closed;
        clearTimeout(grace);
      }
      await sampler.stop();
      appChannel.stop();
      projection.stop();
      await hub.stop();
    },
  };
}
