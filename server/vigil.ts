import type { Server } from 'node:http';
import type { Express, RequestHandler, Router } from 'express';
import type { Logger } from 'pino';
import type { HostFacts } from '../shared/schema.js';
import type { Config } from './config.js';
import { createHttp } from './http/app.js';
import { close, listen } from './http/listen.js';
import { PrometheusExport } from './http/prometheus.js';
import type { Hub } from './hub/hub.js';
import { createPipeline, type PipelineDeps } from './pipeline.js';
import { servesClients } from './roles.js';
import type { AppChannel } from './sources/app-channel.js';
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
  /** http://host:port once listening. */
  readonly url: string;
  readonly server: Server | null;
}

/** Wires Vigil together: the pipeline and its HTTP face. Starts nothing: call start(). */
export function createVigil(config: Config, deps: VigilDeps = {}): Vigil {
  const p = createPipeline(config, deps);
  const { logger, hub, projection, stream, sampler, appChannel } = p;
  const prometheus = new PrometheusExport({ latest: () => projection.latest() });
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
    get url() {
      return url;
    },
    get server() {
      return server;
    },
    async start({ listen: withServer = true } = {}) {
      if (started) return;
      // Before the first tick, so state from before a restart is not folded over.
      await p.persister?.load();
      p.persister?.start();
      await p.redisTiers?.start();
      // Subscribed before the hub starts, so a Redis hub's first events reach both.
      projection.start();
      stream.start();
      await hub.start();
      started = true;
      p.scrapers.start();
      await Promise.all([sampler.start(), readHostFacts(config.source).then((f) => (hostFacts = f))]);
      if (withServer) {
        ({ server, url } = await listen(http.app, config.port, config.host));
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
      await Promise.all([sampler.stop(), p.scrapers.stop()]);
      appChannel.stop();
      await p.persister?.stop();
      await p.redisTiers?.stop();
      projection.stop();
      await hub.stop();
    },
  };
}
