import type { Stat, Trend } from '../../shared/schema.js';
import type { SeriesBuckets, TierRing } from './tier.js';

/**
 * Which points a snapshot of a tier carries: buckets merged `k` at a time, at
 * most `points` of them, covering the whole ring. With two points or more they
 * are aligned to the epoch like the buckets (point p covers buckets
 * [p × k, p × k + k - 1], i.e. times from p × k × step for k × step ms), from
 * the oldest merged point holding data to the newest. One point is the whole
 * ring, ending with its newest bucket: no point aligned to the epoch can hold
 * every bucket wherever the newest falls (when it opens a period, an aligned
 * point holds it alone), so a lone point is not aligned.
 */
export interface TierRange {
  k: number;
  /** Width of one point, ms. */
  width: number;
  /** The first bucket of the first point: point i covers buckets [start + i × k, start + i × k + k - 1]. */
  start: number;
  /** Points in the range, 0 when the ring is empty. */
  count: number;
}

export function tierRange(ring: TierRing, points: number): TierRange {
  const { step, capacity } = ring.spec;
  const n = Math.max(1, Math.floor(points));
  // n aligned points cover (n - 1) × k + 1 buckets at least, wherever the newest falls
  // in its point: k is chosen so that this is the whole ring.
  const k = n === 1 ? capacity : Math.max(1, Math.ceil((capacity - 1) / (n - 1)));
  if (ring.newest === -Infinity) return { k, width: k * step, start: 0, count: 0 };
  if (n === 1) return { k, width: k * step, start: ring.newest - capacity + 1, count: 1 };
  const to = Math.floor(ring.newest / k);
  const from = Math.max(Math.floor(ring.oldest / k), to - n + 1);
  return { k, width: k * step, start: from * k, count: to - from + 1 };
}

/** The range's times as the wire's `t0` and `dt` (every point, empty ones too, so `dt` is one repeated width). */
export function rangeTimeline(r: TierRange): { t0?: number; dt: number[] } {
  if (!r.count) return { dt: [] };
  return { t0: r.start * (r.width / r.k), dt: new Array<number>(r.count - 1).fill(r.width) };
}

export interface MergedColumn {
  avg: (number | null)[];
  lo: (number | null)[];
  hi: (number | null)[];
  /** Ticks each point holds (not on the wire: it weighs the span's average). */
  n: number[];
}

/** One series' merged points: min of the mins, max of the maxes, sum / count; null where a point holds no tick. */
export function mergedColumn(ring: TierRing, s: SeriesBuckets | undefined, r: TierRange): MergedColumn {
  const len = r.count;
  const out: MergedColumn = { avg: new Array(len).fill(null), lo: new Array(len).fill(null), hi: new Array(len).fill(null), n: new Array(len).fill(0) };
  if (!s) return out;
  const { capacity } = ring.spec;
  const lowest = ring.oldest;
  for (let i = 0; i < len; i++) {
    const first = r.start + i * r.k;
    let lo = Infinity;
    let hi = -Infinity;
    let sum = 0;
    let count = 0;
    for (let b = Math.max(first, lowest); b < first + r.k && b <= ring.newest; b++) {
      const slot = b % capacity;
      const n = s.count[slot];
      if (n === 0 || ring.slots[slot] !== b) continue;
      if (s.min[slot] < lo) lo = s.min[slot];
      if (s.max[slot] > hi) hi = s.max[slot];
      sum += s.sum[slot];
      count += n;
    }
    if (count === 0) continue;
    out.avg[i] = sum / count;
    out.lo[i] = lo;
    out.hi[i] = hi;
    out.n[i] = count;
  }
  return out;
}

/**
 * The window figures over the whole span shown: `min`, `max`, `avg` and `n` of
 * every tick the points hold, `v` the newest sample, and `trend` the sign of the
 * least-squares slope of the points' averages when it moves the value by more
 * than `threshold` of its scale (as a sliding window's trend does).
 */
export function spanStat(col: MergedColumn, r: TierRange, latest: Stat, threshold: number): Stat {
  let lo = Infinity;
  let hi = -Infinity;
  let sum = 0;
  let counts = 0;
  let n = 0;
  let sx = 0;
  let sv = 0;
  let sxx = 0;
  let sxv = 0;
  let first = -1;
  let last = -1;
  for (let i = 0; i < col.avg.length; i++) {
    const a = col.avg[i];
    if (a === null) continue;
    lo = Math.min(lo, col.lo[i]!);
    hi = Math.max(hi, col.hi[i]!);
    sum += a * col.n[i];
    counts += col.n[i];
    n++;
    const x = (i * r.width) / 1000;
    sx += x;
    sv += a;
    sxx += x * x;
    sxv += x * a;
    if (first < 0) first = i;
    last = i;
  }
  if (n === 0) return latest;
  const avg = sum / counts;
  let trend: Trend = 'stable';
  const den = n * sxx - sx * sx;
  const scale = Math.max(Math.abs(avg), hi - lo);
  if (n >= 3 && den > 0 && scale > 0) {
    const change = (((n * sxv - sx * sv) / den) * ((last - first) * r.width)) / 1000 / scale;
    if (change > threshold) trend = 'rising';
    else if (change < -threshold) trend = 'falling';
  }
  return { v: latest.v, min: Math.min(lo, latest.v), max: Math.max(hi, latest.v), avg, n: counts, trend, u: latest.u };
}
