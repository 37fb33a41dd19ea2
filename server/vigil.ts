import type { Server } from 'node:http';
import type { Express, RequestHandler, Router } from 'express';
import type { Logger } from 'pino';
import type { HostFacts } from '../shared/schema.js';
import type { Config } from './config.js';
import { createHttp } from './http/app.js';
import { close, listen } from './http/listen.js';
import { PrometheusExport } from './http/prometheus.js';
import type { Checks } from './checks/checks.js';
import { reloadDashboards } from './checks/dashboards-file.js';
import type { Hub } from './hub/hub.js';
import { createPipeline, startPipeline, stopPipeline, type Pipeline, type PipelineDeps } from './pipeline.js';
import { servesClients } from './roles.js';
import type { AppChannel } from './sources/app-channel.js';
import { isExporter } from './sources/exported.js';
import { readHostFacts } from './sources/host-facts.js';
import type { StreamServer } from './stream/stream-server.js';
import type { Projection } from './windows/projection.js';
import type { SeriesWindows } from './windows/series-windows.js';

export interface VigilDeps extends PipelineDeps {
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
  /** The dashboards' checks (api/status reads them). */
  readonly checks: Checks;
  /**
   * Reads the dashboards file again (SIGHUP): on success every check is rebuilt
   * and announced, streams stay open; on a bad file the old dashboards stay and
   * the error says why (one line).
   */
  reloadDashboards(): { ok: true } | { ok: false; error: string };
  /** http://host:port once listening. */
  readonly url: string;
  readonly server: Server | null;
}

/** GET metrics of a pipeline: projection, checks, and the raw values of the sources it samples. */
function createPrometheus(config: Config, p: Pipeline): PrometheusExport {
  return new PrometheusExport({
    latest: () => p.projection.latest(),
    checks: () => p.checks.current(p.projection.checks()),
    exporters: () => p.sampler.all.filter(isExporter),
    source: config.source,
    staleAfter: config.window,
  });
}

/** Wires Vigil together: the pipeline and its HTTP face. Starts nothing: call start(). */
export function createVigil(config: Config, deps: VigilDeps = {}): Vigil {
  const p = createPipeline(config, deps);
  const { logger, hub, projection, stream, sampler, appChannel, checks } = p;
  const prometheus = createPrometheus(config, p);
  let server: Server | null = null;
  let started = false;
  let hostFacts: HostFacts | null = null;
  let url = '';
  const http = createHttp(config, {
    pipeline: p,
    servesClients: servesClients(config),
    prometheus,
    ready: () => started && sampler.rounds > 0 && (hub.ready?.() ?? true),
    hostFacts: () => hostFacts,
    pageDir: deps.pageDir,
  });

  return {
    config,
    ...http,
    hub,
    projection,
    stream,
    windows: p.windows,
    appChannel,
    prometheus,
    logger,
    checks,
    reloadDashboards: () => reloadDashboards(checks, config.dashboards),
    get url() {
      return url;
    },
    get server() {
      return server;
    },
    async start({ listen: withServer = true } = {}) {
      if (started) return;
      const facts = readHostFacts(config.source).then((f) => (hostFacts = f));
      await startPipeline(p, { judge: servesClients(config), started: () => (started = true) });
      await facts;
      if (withServer) {
        ({ server, url } = await listen(http.listener, config.port, config.host));
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
      if (s) await close(s, () => stream.stop());
      else stream.stop();
      await stopPipeline(p);
    },
  };
}
