import type { Stat, Trend } from '../../shared/schema.js';
import { PairDeque } from './number-deque.js';
import { StatCell } from './stat-cell.js';

export interface WindowOptions {
  /** Span of the window, ms. Samples older than `latest t - span` are evicted. */
  span?: number;
  /**
   * A window is `rising`/`falling` when its least-squares slope, times the span the
   * samples cover, moves the value by more than this fraction of its scale
   * (the larger of |avg| and max-min). Below it, or with fewer than 3 samples: `stable`.
   */
  trendThreshold?: number;
  /** Hard bound on samples held, whatever their times (protects against bursts). */
  maxSamples?: number;
}

/**
 * Sliding aggregate of one metric over a time span: last, min, max, avg, count and
 * trend, each O(1) amortised per sample.
 *
 * Sample times (the rule for producers' clocks, which may be off):
 * - A time ahead of `now` (the arrival time) counts as `now`: a sample from a fast
 *   clock can neither hold the window open nor freeze it.
 * - `last` is the sample with the newest time (the later arrival among equal ones).
 * - A late sample (older than the newest) still counts in min, max, avg, n and the
 *   trend, folded in at the newest time, so it leaves the window with the newest
 *   samples; it never becomes `last`.
 * - A sample older than the window (before the newest time, or the time `advance`
 *   was given, minus the span) is not counted: it belongs to no window still shown.
 * Min and max come from monotonic deques;
 * avg and the regression slope from running sums, recomputed exactly after every
 * `length` evictions so floating-point drift cannot build up over weeks.
 */
export class SlidingWindow {
  readonly span: number;
  readonly trendThreshold: number;
  readonly maxSamples: number;

  /** The samples, (t, v), oldest first; the i-th has sequence number nextSeq - length + i. */
  private readonly samples = new PairDeque();
  // Monotonic deques of (seq, value): mins' values increasing, maxs' decreasing.
  private readonly mins = new PairDeque();
  private readonly maxs = new PairDeque();
  private nextSeq = 0;
  // Regression sums over (x = t - origin in seconds, v).
  private origin = 0;
  private sumX = 0;
  private sumV = 0;
  /** Neumaier compensation of sumV: a huge sample evicted must not take the small ones' sum with it. */
  private sumVc = 0;
  private sumXX = 0;
  private sumXV = 0;
  private evictions = 0;
  /** Samples before this time are out of the window for good (it only moves forward). */
  private cutoff = -Infinity;
  /** The newest sample time seen and its value: `last`. */
  private newestT = -Infinity;
  private newestV = NaN;

  constructor({ span = 60_000, trendThreshold = 0.1, maxSamples = 10_000 }: WindowOptions = {}) {
    this.span = span;
    this.trendThreshold = trendThreshold;
    this.maxSamples = maxSamples;
  }

  get count(): number {
    return this.samples.length;
  }

  /**
   * Adds a sample at time `t`, received at `now` (see the class's rule on times).
   * Returns false when it was older than the window and not counted.
   */
  push(t: number, v: number, now = Infinity): boolean {
    t = Math.min(t, now);
    if (t < this.cutoff) return false;
    if (t >= this.newestT) {
      this.newestT = t;
      this.newestV = v;
    }
    const samples = this.samples;
    if (samples.length > 0 && t < samples.backA()) t = samples.backA();
    if (samples.length === 0) this.origin = t;
    const seq = this.nextSeq++;
    samples.pushBack(t, v);
    const mins = this.mins;
    while (mins.length > 0 && mins.backB() >= v) mins.popBack();
    mins.pushBack(seq, v);
    const maxs = this.maxs;
    while (maxs.length > 0 && maxs.backB() <= v) maxs.popBack();
    maxs.pushBack(seq, v);
    this.addSums(t, v, 1);
    this.evictBefore(t - this.span);
    while (samples.length > this.maxSamples) this.evictOne();
    return true;
  }

  /** Evicts samples older than `now - span` without adding one (for idle series). */
  advance(now: number): void {
    this.evictBefore(now - this.span);
  }

  last(): number {
    return this.samples.length ? this.newestV : NaN;
  }
  min(): number {
    return this.mins.length ? this.mins.frontB() : NaN;
  }
  max(): number {
    return this.maxs.length ? this.maxs.frontB() : NaN;
  }
  avg(): number {
    if (!this.samples.length) return NaN;
    const avg = (this.sumV + this.sumVc) / this.samples.length;
    // The exact mean lies within [min, max]; rounding of the sums must not put it outside.
    return Math.min(this.max(), Math.max(this.min(), avg));
  }

  /** Least-squares slope in value units per second; 0 with fewer than 2 samples. */
  slope(): number {
    const n = this.samples.length;
    if (n < 2) return 0;
    const den = n * this.sumXX - this.sumX * this.sumX;
    if (den <= 1e-12 * Math.max(1, n * this.sumXX)) return 0;
    return (n * this.sumXV - this.sumX * this.sumV) / den;
  }

  trend(): Trend {
    return this.stat('').trend;
  }

  /** The window's figures as a new Stat. */
  stat(unit: string): Stat {
    return this.fill(new StatCell(unit), unit);
  }

  /**
   * The window's figures in the one Stat this window owns, refreshed in place
   * and returned: no object per sample. It changes at the next push, so whoever
   * keeps figures past that copies them (SeriesWindows.record's rule).
   */
  live(unit: string): Stat {
    return this.fill((this.own ??= new StatCell(unit)), unit);
  }

  private own: Stat | undefined;

  private fill(out: Stat, unit: string): Stat {
    const n = this.samples.length;
    out.n = n;
    out.u = unit;
    if (!n) {
      out.v = out.min = out.max = out.avg = NaN;
      out.trend = 'stable';
      return out;
    }
    // As last(), min(), max(), avg() and the trend, each worked out once.
    const min = this.mins.frontB();
    const max = this.maxs.frontB();
    const avg = Math.min(max, Math.max(min, (this.sumV + this.sumVc) / n));
    out.v = this.newestV;
    out.min = min;
    out.max = max;
    out.avg = avg;
    // The trend: rising or falling when the slope, over the time the samples cover, moves the value by
    // more than trendThreshold of its scale (the larger of |avg| and max - min). Worked out here rather
    // than in a method of its own: doubles passed to a call that is not inlined are boxed, a few heap
    // numbers per series per tick.
    out.trend = 'stable';
    if (n < 3) return out;
    const covered = (this.samples.backA() - this.samples.frontA()) / 1000;
    const scale = Math.max(Math.abs(avg), max - min);
    if (scale === 0 || covered === 0) return out;
    const change = (this.slope() * covered) / scale;
    if (change > this.trendThreshold) out.trend = 'rising';
    else if (change < -this.trendThreshold) out.trend = 'falling';
    return out;
  }

  private evictBefore(cutoff: number): void {
    if (cutoff > this.cutoff) this.cutoff = cutoff;
    while (this.samples.length > 0 && this.samples.frontA() < cutoff) this.evictOne();
  }

  private evictOne(): void {
    const samples = this.samples;
    const t = samples.frontA();
    const v = samples.frontB();
    const seq = this.nextSeq - samples.length;
    samples.popFront();
    if (this.mins.length && this.mins.frontA() === seq) this.mins.popFront();
    if (this.maxs.length && this.maxs.frontA() === seq) this.maxs.popFront();
    this.addSums(t, v, -1);
    if (++this.evictions >= Math.max(16, samples.length)) this.recomputeSums();
  }

  private addSums(t: number, v: number, sign: 1 | -1): void {
    const x = (t - this.origin) / 1000;
    this.sumX += sign * x;
    const sv = sign * v;
    const s = this.sumV + sv;
    this.sumVc += Math.abs(this.sumV) >= Math.abs(sv) ? this.sumV - s + sv : sv - s + this.sumV;
    this.sumV = s;
    this.sumXX += sign * x * x;
    this.sumXV += sign * x * v;
  }

  private recomputeSums(): void {
    this.evictions = 0;
    const samples = this.samples;
    this.origin = samples.length ? samples.frontA() : 0;
    this.sumX = this.sumV = this.sumVc = this.sumXX = this.sumXV = 0;
    for (let i = 0; i < samples.length; i++) this.addSums(samples.a(i), samples.b(i), 1);
  }
}
