import { pino, type Logger } from 'pino';
import type { StreamSettings } from '../shared/schema.js';
import type { Config } from './config.js';
import { Checks } from './checks/checks.js';
import { loadDashboards } from './checks/dashboards-file.js';
import type { Hub } from './hub/hub.js';
import { RedisTiers } from './hub/redis/redis-tiers.js';
import { createHub, samplesHost, servesClients } from './roles.js';
import { AppChannel } from './sources/app-channel.js';
import { createHostSource } from './sources/host.js';
import { HttpMetrics } from './sources/http.js';
import { ProcessSource } from './sources/process.js';
import { Sampler, type Source } from './sources/sampler.js';
import { Scrapers } from './sources/scrape/scrapers.js';
import { StreamServer } from './stream/stream-server.js';
import { Projection } from './windows/projection.js';
import { JsonBytes } from './hub/json-bytes.js';
import { KeyJson, writeTicks } from './hub/tick-json.js';
import { tickKeys } from './hub/tick-keys.js';
import { SeriesWindows } from './windows/series-windows.js';
import { TierPersister } from './windows/tier-persister.js';
import { TierStore } from './windows/tier-store.js';

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
  /** Prometheus/OpenMetrics targets (SCRAPE), each on its own timer; none on a server role. */
  readonly scrapers: Scrapers;
  /** The http source's counters; the HTTP layer feeds it from its middleware. */
  readonly httpMetrics: HttpMetrics;
  readonly tiers: TierStore;
  /** Writes the tiers to DATA_DIR (standalone without Redis, with a data dir); null otherwise. */
  readonly persister: TierPersister | null;
  /** With Redis: the tiers of what this instance publishes, written to Redis, and those it serves, read back. */
  readonly redisTiers: RedisTiers | null;
  /** The dashboards' levels judged on every tick (status events). */
  readonly checks: Checks;
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
  const tiers = new TierStore({ maxSeries: capacity });
  const projection = new Projection(hub, { history: config.history, maxSeries: capacity, tiers, trendThreshold: config.trendThreshold });
  const dashboards = loadDashboards(config.dashboards);
  const checks = new Checks({ hub, dashboards, every: Math.min(1000, config.interval) });
  const stream = new StreamServer(hub, projection, {
    settings,
    retry: config.retry,
    maxClients: config.maxClients,
    clientBuffer: config.clientBuffer,
    clientStall: config.clientStall,
  });
  const httpMetrics = new HttpMetrics();
  const processSource = new ProcessSource(() => stream);
  const host = () =>
    createHostSource({ diskUsageEvery: config.diskUsageInterval || null, netExclude: config.netExclude, onError: (err) => logger.warn({ err }, 'disk usage failed') });
  const sources = !samplesHost(config)
    ? []
    : deps.sources
      ? deps.sources({ http: httpMetrics, process: processSource, host })
      : [host(), processSource, httpMetrics];
  const redisTiers = config.redisUrl
    ? new RedisTiers(new TierStore({ maxSeries: capacity }), servesClients(config) ? tiers : null, { url: config.redisUrl, logger, interval: config.persistInterval, source: config.source })
    : null;
  // What this instance publishes is folded into the tiers it writes to Redis.
  const publisher: Pick<Hub, 'publish'> = redisTiers
    ? { publish: (channel, tick) => (hub.publish(channel, tick), redisTiers.fold(channel, tick)) }
    : hub;
  const sampler = new Sampler({
    hub: publisher,
    windows,
    source: config.source,
    interval: config.interval,
    onError: (err, src) => logger.warn({ err, channel: src.channel }, 'sampling failed'),
  }).add(...sources);
  const scrapers = new Scrapers({
    targets: samplesHost(config) ? config.scrape : [],
    hub: publisher,
    windows,
    logger,
    interval: config.interval,
    window: config.window,
    maxSeries: config.scrapeMaxSeries,
  });
  const appChannel = new AppChannel({ hub: publisher, windows, maxSeries: config.maxSeries, coalesce: config.ingestCoalesce || null });

  // Ticks go out with what changed since the projection's state, which is what every client holds.
  // Compact ticks (the page's) also leave out the keys while a group's keys stay those of its last tick;
  // written only while a client wants them (else a resuming one gets those events keyed).
  // Written as bytes into two buffers kept from tick to tick (JsonBytes), framed by the hub at once.
  const keyJson = new KeyJson(2 * capacity);
  const keyed = new JsonBytes();
  const compact = new JsonBytes();
  hub.encodeWith?.((channel, tick) => {
    const base = projection.statBase(channel, tick.source);
    const placed = projection.placedBase(channel, tick.source, tickKeys(tick.values));
    // Both in one pass while a page (a compact client) is open: each number's text is made once.
    const both = stream.compactClients > 0;
    writeTicks(keyed, both ? compact : null, tick, base, keyJson, projection.layout(channel, tick.source), placed);
    return both ? { json: keyed, compact } : { json: keyed };
  });
  // A hub whose epoch changes (Redis reset) rebuilds the projection from the new epoch, then resets every client.
  hub.onReset?.(({ fromId, recent }) => {
    projection.clear(fromId);
    for (const e of recent) projection.apply(e);
    stream.resetAll();
    checks.publishFull();
  });

  // On Redis the tiers live in Redis, shared by every instance; a file is for one process alone.
  const persister = config.dataDir && !config.redisUrl ? new TierPersister(tiers, { dir: config.dataDir, interval: config.persistInterval, logger }) : null;

  return { logger, settings, hub, windows, projection, stream, sampler, appChannel, scrapers, httpMetrics, tiers, persister, redisTiers, checks };
}

/**
 * Starts the pipeline in the order it depends on; `started` runs once the hub is
 * up (readiness may count from then), before the first sampling round.
 */
export async function startPipeline(p: Pipeline, o: { judge: boolean; started: () => void }): Promise<void> {
  // Before the first tick, so state from before a restart is not folded over.
  await p.persister?.load();
  p.persister?.start();
  await p.redisTiers?.start();
  // Subscribed before the hub starts, so a Redis hub's first events reach both.
  p.projection.start();
  p.stream.start();
  await p.hub.start();
  // After the hub and the stream: its status events follow the ticks that caused them.
  if (o.judge) p.checks.start();
  o.started();
  p.scrapers.start();
  await p.sampler.start();
}

/** Stops what startPipeline started, the stream first (the HTTP server has stopped accepting). */
export async function stopPipeline(p: Pipeline): Promise<void> {
  await Promise.all([p.sampler.stop(), p.scrapers.stop()]);
  p.checks.stop();
  p.appChannel.stop();
  await p.persister?.stop();
  await p.redisTiers?.stop();
  p.projection.stop();
  await p.hub.stop();
}
