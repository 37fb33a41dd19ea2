import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Logger } from 'pino';
import { INGEST_VALUE_MAX } from '../../../shared/ingest.js';
import type { Stat } from '../../../shared/schema.js';
import { keyedByMetric, metricKey, sameKeys } from '../../../shared/series.js';
import type { Hub } from '../../hub/hub.js';
import { withTickKeys } from '../../hub/tick-keys.js';
import { CardinalityError, type SeriesWindows } from '../../windows/series-windows.js';
import type { SlidingWindow } from '../../windows/window.js';
import { SeriesCache } from './exposition.js';
import { expositionPoints, PointsPlan, type NameMemo } from './exposition-points.js';
import { ACCEPT, fetchPage, ScrapeError } from './fetch-text.js';
import { PageConnection } from './page-connection.js';
import { Folder } from './folder.js';
import { PagePlan } from './page-plan.js';
import type { TargetSpec } from './target-spec.js';

export interface ScrapeTargetOptions {
  spec: TargetSpec;
  hub: Pick<Hub, 'publish'>;
  windows: SeriesWindows;
  logger: Logger;
  /** ms between scrapes when the spec sets none (INTERVAL). */
  interval: number;
  /** Span of the windows, ms: histogram quantiles cover it. */
  window: number;
  /** Series one target may hold; readings past it are left out (SCRAPE_MAX_SERIES). */
  maxSeries: number;
  /** Largest metrics page read, bytes. */
  maxBytes?: number;
  now?: () => number;
}

export type TargetState = 'starting' | 'up' | 'down';

/**
 * One scrape target on its own timer, apart from the sampler's round: a target
 * that hangs holds only its own timer (for at most its timeout), never host
 * sampling. Each good scrape publishes one `app` tick with the target's name as
 * source; a failed one publishes nothing, so the target's series go stale, and
 * the change of state is logged once, not every round. Scrapes never overlap.
 */
export class ScrapeTarget {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly abort = new AbortController();
  private readonly folder: Folder;
  private readonly keys = new Set<string>();
  /** The last tick published by place (keys shared with the hub's stages: never changed), and its values object, which serves again while nothing changes. */
  private last: TickPlaces = { keys: [], stats: [], windows: [], values: keyedByMetric() };
  /** The windows' `forgotten` when the last tick was published. */
  private forgotten = 0;
  /** Whether the last tick's keys are in the object's own order (none is an array index). */
  private lastInOrder = true;
  private readonly cache: SeriesCache;
  /** Family names as Vigil's, worked out once. */
  private readonly names: NameMemo = new Map();
  /** The layout of the last page and what its lines gave: a round that keeps it only reads values. */
  private readonly plan = new PagePlan();
  private readonly pointsPlan = new PointsPlan();
  /** One kept-alive connection per target: no TCP (or TLS) handshake each round. Plain http reads it off the socket (page-connection.ts). */
  private readonly agent: HttpAgent;
  private readonly connection: PageConnection | null;
  private readonly now: () => number;
  readonly interval: number;
  readonly timeout: number;
  state: TargetState = 'starting';
  /** Why the last scrape failed, or null. */
  problem: string | null = null;
  scrapes = 0;
  /** Readings left out by the series caps or for illegal names/labels, last scrape. */
  dropped = 0;
  private warnedCap = false;

  constructor(private readonly o: ScrapeTargetOptions) {
    this.now = o.now ?? Date.now;
    this.interval = o.spec.interval ?? o.interval;
    this.timeout = Math.min(o.spec.timeout ?? this.interval, this.interval);
    this.folder = new Folder(o.window);
    const opts = { keepAlive: true, maxSockets: 1, maxFreeSockets: 1 };
    this.agent = o.spec.url.startsWith('https:') ? new HttpsAgent(opts) : new HttpAgent(opts);
    this.connection = o.spec.url.startsWith('http:') ? new PageConnection(o.spec.url, ACCEPT) : null;
    // Room for every line of a page whose series are capped, and their le/quantile lines.
    this.cache = new SeriesCache(Math.max(10_000, o.maxSeries * 20));
  }

  get name(): string {
    return this.o.spec.name;
  }

  start(): void {
    if (this.timer || this.abort.signal.aborted) return;
    this.timer = setInterval(() => void this.scrape(), this.interval);
    this.timer.unref?.();
    void this.scrape();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.abort.abort();
    await this.running;
    this.agent.destroy();
    this.connection?.destroy();
  }

  /** One scrape, unless the last is still running. Never throws. */
  scrape(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.once().finally(() => (this.running = null));
    return this.running;
  }

  private async once(): Promise<void> {
    try {
      const { body, at: t } = await fetchPage(this.o.spec.url, { timeout: this.timeout, maxBytes: this.o.maxBytes ?? 16 << 20, signal: this.abort.signal, agent: this.agent, connection: this.connection ?? undefined, now: this.now });
      if (this.abort.signal.aborted) return;
      const families = this.plan.read(body, this.cache);
      const { points, dropped } = expositionPoints(families, this.o.spec.keep, this.names, this.pointsPlan);
      const fold = this.folder.fold(points, t);
      fold.commit();
      this.dropped = dropped;
      this.publish(fold.readings, t);
      this.scrapes++;
      this.setState('up', null);
    } catch (err) {
      if (this.abort.signal.aborted) return;
      const why = err instanceof ScrapeError ? err.message : `unreadable metrics: ${(err as Error)?.message ?? String(err)}`.slice(0, 200);
      this.setState('down', why);
    }
  }

  private publish(readings: ReturnType<Folder['fold']>['readings'], t: number): void {
    const last = this.last;
    // No window forgotten since the last tick: each of its windows is still the one of its key.
    const direct = this.o.windows.forgotten === this.forgotten;
    // Null while this tick is the last one so far: its keys in order, each with the same window and so the
    // same stat object (the window's live one), so the last tick's values serve again, unwritten. A new
    // values object is made only once the keys part from the last tick's.
    let fresh: (TickPlaces & { keys: string[] }) | null = null;
    let n = 0;
    // Keys taken from the last tick unchecked keep its answer.
    let inOrder = this.lastInOrder;
    let capped = 0;
    let held = 0;
    for (const r of readings) {
      // NaN, ±Inf and values past ±1e300 (window sums would overflow, JSON would say null) are left out.
      if (!(Math.abs(r.v) <= INGEST_VALUE_MAX)) continue;
      const key = r.key;
      // While the keys so far are the last tick's, in order, this one is too if it is the next of them:
      // held already, and not yet in this tick (the last tick's keys were each once).
      const next = fresh === null && last.keys[n] === key;
      if (next && direct) {
        // As windows.record, without looking the window up.
        const w = last.windows[n++];
        w.push(t, r.v);
        w.live(r.unit);
        held++;
        continue;
      }
      const known = next || this.keys.has(key);
      if (!known && this.keys.size >= this.o.maxSeries) {
        capped++;
        continue;
      }
      try {
        const stat = this.o.windows.record(key, this.name, r.unit, t, r.v);
        held++;
        if (!known) this.keys.add(key);
        // The same window as last tick (not one made anew after the windows forgot the series): its stat is in place.
        if (next && last.stats[n] === stat) {
          n++;
          continue;
        }
        fresh ??= placesUpTo(last, n);
        // A key twice on one page is one window, so one stat object: already in place.
        if (fresh.values[key] !== undefined) continue;
        fresh.values[key] = stat;
        fresh.keys.push(key);
        fresh.stats.push(stat);
        fresh.windows.push(this.o.windows.held(key, this.name)!);
        // An array index would come first in the object's own order (no metric name is one).
        inOrder &&= !(key.charCodeAt(0) <= 57);
      } catch (err) {
        if (!(err instanceof CardinalityError)) throw err;
        capped++;
      }
    }
    this.noteCapped(capped);
    if (!held) return;
    // Fewer keys than last tick, the rest the same: its first n.
    if (!fresh && n < last.keys.length) fresh = placesUpTo(last, n);
    if (fresh) this.keep(fresh, inOrder);
    this.forgotten = this.o.windows.forgotten;
    this.o.hub.publish('app', { t, source: this.name, values: this.last.values });
  }

  /** Makes `fresh` the last tick, its keys the very array of the last while they are the same. */
  private keep(fresh: TickPlaces, inOrder: boolean): void {
    // The same keys after all (a stat made anew, a line twice): the same array, which every stage compares at once.
    const keys = sameKeys(this.last.keys, fresh.keys) ? this.last.keys : fresh.keys;
    this.last = { ...fresh, keys };
    this.lastInOrder = inOrder;
    if (inOrder) withTickKeys(fresh.values, keys, fresh.stats);
  }

  private noteCapped(capped: number): void {
    this.dropped += capped;
    if (capped && !this.warnedCap) {
      this.warnedCap = true;
      this.o.logger.warn({ target: this.name, held: this.keys.size, left_out: capped }, 'scrape target has more series than the cap (SCRAPE_MAX_SERIES); the rest are left out');
    }
  }

  private setState(state: TargetState, problem: string | null): void {
    const was = this.state;
    this.state = state;
    this.problem = problem;
    if (was === state) return;
    const url = this.o.spec.url;
    if (state === 'up') this.o.logger.info({ target: this.name, url }, was === 'starting' ? 'scrape target up' : 'scrape target back up');
    else this.o.logger.warn({ target: this.name, url, problem }, 'scrape target down; its series go stale');
  }
}

/** A tick of a target by place: its keys in order, their live stats and windows, and the values object. */
interface TickPlaces {
  keys: readonly string[];
  stats: Stat[];
  windows: SlidingWindow[];
  values: Record<string, Stat>;
}

/** A new tick holding the first `n` keys of `last`, their stats and windows. */
function placesUpTo(last: TickPlaces, n: number): TickPlaces & { keys: string[] } {
  const values = keyedByMetric<Stat>();
  const keys = last.keys.slice(0, n);
  for (let i = 0; i < n; i++) values[keys[i]] = last.stats[i];
  return { keys, stats: last.stats.slice(0, n), windows: last.windows.slice(0, n), values };
}
