import type { ChannelName, CompactStat, Snapshot, Stat, StreamTick } from '../shared/schema.js';
import { applyChange, applyCompact, columnPoints, groupTimes, seriesKey } from '../shared/schema.js';
import { Buckets, type Points } from './buckets.js';
import { Ring } from './ring.js';

/** One tile's worth of state: a metric of one source, its points and its last window. */
export interface Series {
  readonly key: string;
  /** The metric key: name and labels, `host.fs.used_ratio{mountpoint=/}` (shared/series.ts). */
  readonly name: string;
  readonly source: string;
  readonly channel: ChannelName;
  unit: string;
  /** Raw points, or a coarse span's buckets (when the snapshot had a `span`). */
  ring: Points;
  stat: Stat | null;
  /** Local clock time at which the newest point was current (for "updated N s ago"). */
  seenAt: number;
  /** Bumped whenever the points change; a sparkline redraws when it differs. */
  version: number;
}

export interface SeriesInfo {
  name: string;
  source: string;
  channel: ChannelName;
  unit: string;
}

export type SeriesFilter = (info: Omit<SeriesInfo, 'unit'>) => boolean;

/**
 * The page's data: every series the filters let through, in order of first
 * appearance. A snapshot replaces everything (reusing ring buffers of series
 * that survive it); a tick appends a point per metric, folds what changed into
 * its stat, and creates series for metrics the snapshot did not know. Each series keeps at most `points` points
 * (fewer when the server keeps fewer: its `settings.history`).
 */
export class SeriesStore {
  private readonly map = new Map<string, Series>();
  private ordered: Series[] = [];
  /** Points per series of the current rings: min(points, the server's history). */
  capacity: number;
  /** Bumped when series are added or removed (not on new points). */
  structure = 0;
  /** Each compact layout's series, in its order, as of `structure` (see applyCompact). */
  private readonly layoutSeries = new WeakMap<readonly string[], { structure: number; channel: ChannelName; source: string; series: Array<Series | null> }>();

  constructor(
    private readonly accept: SeriesFilter = () => true,
    private readonly points = 300,
  ) {
    this.capacity = points;
  }

  get size(): number {
    return this.ordered.length;
  }

  list(): readonly Series[] {
    return this.ordered;
  }

  get(key: string): Series | undefined {
    return this.map.get(key);
  }

  applySnapshot(s: Snapshot, now: number): void {
    // A coarse span is not bounded by the raw history the server keeps.
    const capacity = s.span ? this.points : Math.min(this.points, s.settings.history);
    const old = this.map;
    const reuse = capacity === this.capacity;
    this.capacity = capacity;
    const next = new Map<string, Series>();
    const order: Series[] = [];
    for (const g of s.groups) {
      const times = groupTimes(g);
      for (const name in g.values) {
        const stat = g.values[name];
        const info = { name, source: g.source, channel: g.channel, unit: stat.u };
        if (!this.accept(info)) continue;
        const key = seriesKey(name, g.source);
        if (next.has(key)) continue;
        const prev = old.get(key);
        const series = prev && reuse && prev.channel === g.channel ? prev : this.create(info);
        if (g.step && g.lo && g.hi) {
          // A coarse span: its buckets, with the newest taken to hold the ticks since it opened.
          const band = series.ring instanceof Buckets && series.ring.step === g.step ? series.ring : new Buckets(this.points, g.step);
          const last = times.at(-1) ?? s.t;
          band.fill(times, columnPoints(g.history[name], times.length), columnPoints(g.lo[name], times.length), columnPoints(g.hi[name], times.length), Math.round((s.t - last) / s.settings.interval));
          series.ring = band;
        } else {
          if (!(series.ring instanceof Ring)) series.ring = new Ring(this.capacity);
          series.ring.fill(times, columnPoints(g.history[name], times.length));
        }
        series.stat = stat;
        series.unit = stat.u;
        const lastT = series.ring.lastT;
        series.seenAt = Number.isNaN(lastT) ? -Infinity : now - Math.max(0, s.t - lastT);
        series.version++;
        next.set(key, series);
        order.push(series);
      }
    }
    this.map.clear();
    for (const [k, v] of next) this.map.set(k, v);
    this.ordered = order;
    this.structure++;
  }

  /** Returns how many points were added (0 for a replayed or filtered tick). */
  applyTick(channel: ChannelName, tick: StreamTick, now: number): number {
    let added = 0;
    for (const name in tick.values) {
      const change = tick.values[name];
      const series = this.seriesOf(channel, tick.source, name, typeof change === 'number' ? undefined : change.u);
      if (series && this.point(series, tick.t, applyChange(series.stat, change), now)) added++;
    }
    return added;
  }

  /**
   * A compact tick (CompactTick) whose stats follow `keys`, its group's layout:
   * what applyTick does with the tick expandCompact makes of it, without making
   * it. The layout's series are looked up once per layout (the same array,
   * tick after tick) and again only when series came or went.
   */
  applyCompact(channel: ChannelName, source: string, t: number, keys: readonly string[], values: readonly CompactStat[], now: number): number {
    let cached = this.layoutSeries.get(keys);
    if (!cached || cached.structure !== this.structure || cached.channel !== channel || cached.source !== source) {
      const series = keys.map((name, i) => {
        const c = values[i];
        return this.seriesOf(channel, source, name, typeof c === 'number' ? undefined : c?.u);
      });
      this.layoutSeries.set(keys, (cached = { structure: this.structure, channel, source, series }));
    }
    let added = 0;
    const n = Math.min(keys.length, values.length);
    for (let i = 0; i < n; i++) {
      const series = cached.series[i];
      if (series && this.point(series, t, applyCompact(series.stat, values[i]), now)) added++;
    }
    return added;
  }

  /** The series of `name` from `source`, created when new; null when the filters leave it out. */
  private seriesOf(channel: ChannelName, source: string, name: string, unit: string | undefined): Series | null {
    const key = seriesKey(name, source);
    let series = this.map.get(key);
    if (!series) {
      const info = { name, source, channel, unit: unit ?? '' };
      if (!this.accept(info)) return null;
      series = this.create(info);
      this.map.set(key, series);
      this.ordered.push(series);
      this.structure++;
    }
    return series;
  }

  /** Appends a tick's point and stat to `series`; false for a point not newer than its newest (a replay). */
  private point(series: Series, t: number, stat: Stat, now: number): boolean {
    if (!series.ring.push(t, stat.v)) return false;
    // Over a coarse span's figures the fold keeps them; foldSpan reads only v and u.
    series.stat = series.ring instanceof Buckets && series.stat ? foldSpan(series.stat, stat) : stat;
    series.unit = stat.u;
    series.seenAt = now;
    series.version++;
    return true;
  }

  clear(): void {
    this.map.clear();
    this.ordered = [];
    this.structure++;
  }

  private create(m: SeriesInfo): Series {
    return {
      key: seriesKey(m.name, m.source),
      name: m.name,
      source: m.source,
      channel: m.channel,
      unit: m.unit,
      ring: new Ring(this.capacity),
      stat: null,
      seenAt: -Infinity,
      version: 0,
    };
  }
}

/**
 * A coarse span's figures with one more tick: min, max and average over the
 * span take it in; the latest value and unit are the tick's; the trend stays the
 * span's (a tick's trend covers its window only).
 */
function foldSpan(span: Stat, tick: Stat): Stat {
  const n = span.n + 1;
  return { ...span, v: tick.v, u: tick.u, n, min: Math.min(span.min, tick.v), max: Math.max(span.max, tick.v), avg: span.avg + (tick.v - span.avg) / n };
}
