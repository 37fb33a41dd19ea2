import { seriesKey, type TickEvent } from '../../shared/schema.js';
import type { Hub } from '../hub/hub.js';
import { keyedByMetric, keyName } from '../../shared/series.js';
import { labelSetsRefusal, type SeriesWindows } from '../windows/series-windows.js';
import { exportName, RESERVED_PREFIXES, reservedPrefix } from './export-name.js';

export interface AppSample {
  /** The metric key: name and labels (shared/series.ts metricKey). */
  key: string;
  source: string;
  unit: string;
  t: number;
  v: number;
}

export interface AppChannelOptions {
  /** Where ticks go: the hub, or a tap in front of it. */
  hub: Pick<Hub, 'publish'>;
  windows: SeriesWindows;
  /** Distinct app series held at most (MAX_SERIES). */
  maxSeries: number;
  /** Ticks of one source are merged over this span, ms; null publishes one tick per record call. */
  coalesce: number | null;
  /** An app series not pushed for this long is forgotten and stops counting against the cap, ms. */
  idleTtl?: number;
  now?: () => number;
}

interface Seen {
  key: string;
  source: string;
  last: number;
}

/**
 * The `app` channel: metrics pushed by other programs, folded into the same
 * windows as the sampled ones and published as ticks per source. A burst of
 * pushes is coalesced: every sample goes into its window at once, but a source
 * publishes at most one tick per `coalesce` ms, carrying the latest stat of each
 * metric that moved, so a chatty producer cannot flood every stream client.
 */
export class AppChannel {
  private readonly seen = new Map<string, Seen>();
  /** Held series per /metrics name, and the pushed name that holds it. */
  private readonly exported = new Map<string, { name: string; series: number }>();
  private readonly pending = new Map<string, TickEvent>();
  private timer: NodeJS.Timeout | null = null;
  private lastSweep = 0;
  private readonly now: () => number;
  private readonly idleTtl: number;

  constructor(private readonly opts: AppChannelOptions) {
    this.now = opts.now ?? Date.now;
    this.idleTtl = opts.idleTtl ?? 15 * 60_000;
  }

  get size(): number {
    return this.seen.size;
  }

  /**
   * Why these samples cannot all be recorded, or null: too many new series for
   * the app cap or for the windows' overall cap. Call before record; a rejected
   * request must change nothing.
   */
  cardinalityProblem(samples: readonly AppSample[]): string | null {
    this.sweep();
    const fresh = new Set<string>();
    // New label sets per name@source in this request, added to those held.
    const sets = new Map<string, number>();
    const w = this.opts.windows;
    for (const s of samples) {
      const key = seriesKey(s.key, s.source);
      if (this.seen.has(key) || fresh.has(key) || w.has(s.key, s.source)) continue;
      fresh.add(key);
      const name = keyName(s.key);
      if (name === s.key) continue;
      const nk = seriesKey(name, s.source);
      const n = (sets.get(nk) ?? w.labelSetCount(name, s.source)) + 1;
      sets.set(nk, n);
      if (n > w.maxLabelSets) return `metrics: ${labelSetsRefusal(name, s.source, w.maxLabelSets)}`;
    }
    if (fresh.size === 0) return null;
    if (this.seen.size + fresh.size > this.opts.maxSeries) {
      return `metrics: ${fresh.size} new metric(s) would exceed the cap of ${this.opts.maxSeries} distinct app metrics (MAX_SERIES); ${this.seen.size} are held`;
    }
    if (this.opts.windows.size + fresh.size > this.opts.windows.maxSeries) {
      return `metrics: ${fresh.size} new metric(s) would exceed the cap of ${this.opts.windows.maxSeries} distinct metrics`;
    }
    return null;
  }

  /**
   * Why these samples' names cannot be pushed, or null: a name whose /metrics form
   * (exportName) is Vigil's own, or is already that of another pushed name
   * (`queue.depth` and `queue_depth`), on any source. Call before record.
   */
  exportProblem(samples: readonly AppSample[]): string | null {
    this.sweep();
    const fresh = new Map<string, string>();
    for (const s of samples) {
      const name = keyName(s.key);
      const e = exportName(name);
      const reserved = reservedPrefix(e);
      if (reserved) {
        return `metrics: "${name}" would be ${e} in /metrics, which is Vigil's own (names whose /metrics form starts with ${RESERVED_PREFIXES.join(', ')} are reserved); rename it`;
      }
      const held = this.exported.get(e)?.name ?? fresh.get(e);
      if (held !== undefined && held !== name) return `metrics: "${name}" and "${held}" would both be ${e} in /metrics; "${held}" is held, rename "${name}"`;
      fresh.set(e, name);
    }
    return null;
  }

  /** Records validated samples (oldest first per series) and schedules their tick. */
  record(samples: readonly AppSample[]): void {
    const now = this.now();
    const ordered = [...samples].sort((a, b) => a.t - b.t);
    for (const s of ordered) {
      const key = seriesKey(s.key, s.source);
      const stat = this.opts.windows.record(s.key, s.source, s.unit, s.t, s.v, now);
      const seen = this.seen.get(key);
      if (seen) seen.last = now;
      else {
        this.seen.set(key, { key: s.key, source: s.source, last: now });
        this.countExport(s.key, 1);
      }
      let tick = this.pending.get(s.source);
      if (!tick) this.pending.set(s.source, (tick = { t: now, source: s.source, values: keyedByMetric() }));
      tick.values[s.key] = stat;
    }
    if (this.opts.coalesce === null) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.opts.coalesce);
      this.timer.unref?.();
    }
  }

  /**
   * Publishes one tick per source with what moved since the last one. Stamped with
   * the flush time, so history stays in order whatever times producers send.
   */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const t = this.now();
    const ticks = [...this.pending.values()];
    this.pending.clear();
    for (const tick of ticks) this.opts.hub.publish('app', { ...tick, t });
  }

  /** Publishes what is pending and cancels the timer. */
  stop(): void {
    this.flush();
  }

  private sweep(): void {
    const now = this.now();
    if (now - this.lastSweep < 10_000) return;
    this.lastSweep = now;
    for (const [key, s] of this.seen) {
      if (now - s.last <= this.idleTtl) continue;
      this.seen.delete(key);
      this.opts.windows.delete(s.key, s.source);
      this.countExport(s.key, -1);
    }
  }

  private countExport(key: string, by: 1 | -1): void {
    const name = keyName(key);
    const e = exportName(name);
    const x = this.exported.get(e) ?? { name, series: 0 };
    x.series += by;
    if (x.series > 0) this.exported.set(e, x);
    else this.exported.delete(e);
  }
}
