import { pino, type Logger } from 'pino';
import type { StreamSettings } from '../shared/schema.js';
import type { Config } from './config.js';
import type { Hub } from './hub/hub.js';
import { createHub, samplesHost } from './roles.js';
import { AppChannel } from './sources/app-channel.js';
import { createHostSource } from './sources/host.js';
import { HttpMetrics } from './sources/http.js';
import { ProcessSource } from './sources/process.js';
import { Sampler, type Source } from './sources/sampler.js';
import { StreamServer } from './stream/stream-server.js';
import { Projection } from './windows/projection.js';
import { streamTickJson } from './hub/tick-json.js';
import { SeriesWindows } from './windows/series-windows.js';

export interface PipelineDeps {
  hub?: Hub;
  logger?: Logger;
  /** Replaces the built-in sources (host, process, http); tests and agents pass their own. */
  sources?: (builtIn: { http: HttpMetrics; process: ProcessSource; host: () => Source }) => Source[];
}

/** sources → windows → hub → stream, connected and not started. */
export interface Pipeline {
  readonly logger: Logger;
  readonly settings: StreamSettings;
  readonly hub: Hub;
  readonly windows: SeriesWindows;
  readonly projection: Projection;
  readonly stream: StreamServer;
  readonly sampler: Sampler;
  readonly appChannel: AppChannel;
  /** The http source's counters; the HTTP layer feeds it from its middleware. */
  readonly httpMetrics: HttpMetrics;
}

export function createLogger(config: Config): Logger {
  // Redaction is a second line of defence: nothing of ours logs headers or tokens.
  return pino({
    level: config.logLevel,
    base: { source: config.source },
    redact: { paths: ['authorization', '*.authorization', 'token', '*.token'], censor: '[redacted]' },
  });
}

export function createPipeline(config: Config, deps: PipelineDeps = {}): Pipeline {
  const logger = deps.logger ?? createLogger(config);
  const hub = deps.hub ?? createHub(config, logger);
  const settings: StreamSettings = { interval: config.interval, window: config.window, history: config.history, heartbeat: config.heartbeat };
  // Room for the built-in channels' series beside the pushed ones that maxSeries caps.
  const capacity = config.maxSeries + 512;
  const windows = new SeriesWindows({ span: config.window, trendThreshold: config.trendThreshold }, capacity);
  const projection = new Projection(hub, { history: config.history, maxSeries: capacity });
  const stream = new StreamServer(hub, projection, {
    settings,
    retry: config.retry,
    maxClients: config.maxClients,
    clientBuffer: config.clientBuffer,
  });
  const httpMetrics = new HttpMetrics();
  const processSource = new ProcessSource(() => stream);
  const host = () => createHostSource({ diskUsageEvery: config.diskUsageInterval || null, onError: (err) => logger.warn({ err }, 'disk usage failed') });
  const sources = !samplesHost(config)
    ? []
    : deps.sources
      ? deps.sources({ http: httpMetrics, process: processSource, host })
      : [host(), processSource, httpMetrics];
  const sampler = new Sampler({
    hub,
    windows,
    source: config.source,
    interval: config.interval,
    onError: (err, src) => logger.warn({ err, channel: src.channel }, 'sampling failed'),
  }).add(...sources);
  const appChannel = new AppChannel({ hub, windows, maxSeries: config.maxSeries, coalesce: config.ingestCoalesce || null });

  // Ticks go out with what changed since the projection's state, which is what every client holds.
  hub.encodeWith?.((channel, tick) => streamTickJson(tick, projection.statBase(channel, tick.source)));
  // A hub whose epoch changes (Redis reset) rebuilds the projection from the new epoch, then resets every client.
  hub.onReset?.(({ fromId, recent }) => {
    projection.clear(fromId);
    for (const e of recent) projection.apply(e);
    stream.resetAll();
  });

  return { logger, settings, hub, windows, projection, stream, sampler, appChannel, httpMetrics };
}
