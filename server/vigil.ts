import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type RequestHandler, type Router } from 'express';
import { pino, type Logger } from 'pino';
import type { StreamSettings } from '../shared/schema.js';
import type { Config } from './config.js';
import { errorHandler, HttpError } from './http-error.js';
import type { Hub } from './hub.js';
import { MemoryHub } from './memory-hub.js';
import { Projection } from './projection.js';
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
  const logger = deps.logger ?? pino({ level: config.logLevel, base: { source: config.source } });
  const hub = deps.hub ?? new MemoryHub({ capacity: config.replay });
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
  const sources = deps.sources ? deps.sources({ http, process: processSource, host }) : [host(), processSource, http];
  const sampler = new Sampler({
    hub,
    windows,
    source: config.source,
    interval: config.interval,
    onError: (err, src) => logger.warn({ err, channel: src.channel }, 'sampling failed'),
  }).add(...sources);

  const router = express.Router();
  router.use(http.middleware);
  router.use(
    createRouter({
      hub,
      projection,
      stream,
      settings,
      ready: () => started && sampler.rounds > 0,
      hostFacts: () => hostFacts,
      pageDir: deps.pageDir === undefined ? findPageDir() : deps.pageDir,
    }),
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
    middleware: http.middleware,
    app,
    hub,
    projection,
    stream,
    windows,
    logger,
    get url() {
      return url;
    },
    get server() {
      return server;
    },
    async start({ listen = true } = {}) {
      if (started) return;
      await hub.start();
      projection.start();
      stream.start();
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
      stream.stop();
      await sampler.stop();
      projection.stop();
      if (server) {
        const s = server;
        server = null;
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeIdleConnections();
        });
      }
      await hub.stop();
    },
  };
}
