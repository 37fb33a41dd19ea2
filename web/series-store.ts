import type { ChannelName, Snapshot, Stat, StreamTick } from '../shared/schema.js';
import { applyChange, columnPoints, groupTimes, seriesKey } from '../shared/schema.js';
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
      const key = seriesKey(name, tick.source);
      let series = this.map.get(key);
      if (!series) {
        const info = { name, source: tick.source, channel, unit: (typeof change === 'number' ? undefined : change.u) ?? '' };
        if (!this.accept(info)) continue;
        series = this.create(info);
        this.map.set(key, series);
        this.ordered.push(series);
        this.structure++;
      }
      // Over a coarse span's figures the fold keeps them; foldSpan reads only v and u.
      const stat = applyChange(series.stat, change);
      if (!series.ring.push(tick.t, stat.v)) continue;
      series.stat = series.ring instanceof Buckets && series.stat ? foldSpan(series.stat, stat) : stat;
      series.unit = stat.u;
      series.seenAt = now;
      series.version++;
      added++;
    }
    return added;
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
