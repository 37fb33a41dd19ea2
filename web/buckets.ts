import type { Ring } from './ring.js';

/** What a tile draws: raw points (a Ring) or a coarse span's buckets. */
export type Points = Ring | Buckets;

/**
 * A coarse span's points (`?span=1h`, `24h`): per bucket of `step` ms its start
 * time, average, lowest and highest value, in fixed arrays. Live ticks fold into
 * the newest (open) bucket, or open the next one, dropping the oldest. `view()`
 * gives uPlot [times, avg, lo, hi] in place.
 */
export class Buckets {
  private readonly ts: Float64Array;
  private readonly avg: Float64Array;
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  private len = 0;
  /** Ticks in the open bucket (estimated for the one the snapshot ended in). */
  private open = 0;
  private lastTick = NaN;
  private tickGap = NaN;

  constructor(
    readonly capacity: number,
    readonly step: number,
  ) {
    this.ts = new Float64Array(capacity);
    this.avg = new Float64Array(capacity);
    this.lo = new Float64Array(capacity);
    this.hi = new Float64Array(capacity);
  }

  get length(): number {
    return this.len;
  }

  get lastT(): number {
    return this.len ? this.ts[this.len - 1] : NaN;
  }

  get lastV(): number {
    return this.len ? this.avg[this.len - 1] : NaN;
  }

  /** Gap between the two newest ticks folded in (not between buckets): what staleness is judged by. */
  get lastGap(): number {
    return this.tickGap;
  }

  /** Replaces the content with the snapshot's points (nulls skipped); `openTicks` is what the newest bucket is taken to hold. */
  fill(t: readonly number[], avg: readonly (number | null)[], lo: readonly (number | null)[], hi: readonly (number | null)[], openTicks: number): void {
    this.len = 0;
    const n = Math.min(t.length, avg.length);
    for (let i = Math.max(0, n - this.capacity); i < n; i++) {
      const a = avg[i];
      if (a === null) continue;
      this.ts[this.len] = t[i];
      this.avg[this.len] = a;
      this.lo[this.len] = lo[i] ?? a;
      this.hi[this.len] = hi[i] ?? a;
      this.len++;
    }
    this.open = Math.max(1, openTicks);
    this.lastTick = this.tickGap = NaN;
  }

  /** Folds a live tick; false for one older than the open bucket (a replay). */
  push(t: number, v: number): boolean {
    if (t <= this.lastTick) return false;
    if (this.lastTick === this.lastTick) this.tickGap = t - this.lastTick;
    this.lastTick = t;
    const start = Math.floor(t / this.step) * this.step;
    const i = this.len - 1;
    if (i >= 0 && start === this.ts[i]) {
      this.avg[i] += (v - this.avg[i]) / ++this.open;
      if (v < this.lo[i]) this.lo[i] = v;
      if (v > this.hi[i]) this.hi[i] = v;
      return true;
    }
    if (i >= 0 && start < this.ts[i]) return false;
    if (this.len === this.capacity) {
      this.ts.copyWithin(0, 1);
      this.avg.copyWithin(0, 1);
      this.lo.copyWithin(0, 1);
      this.hi.copyWithin(0, 1);
      this.len--;
    }
    this.ts[this.len] = start;
    this.avg[this.len] = this.lo[this.len] = this.hi[this.len] = v;
    this.len++;
    this.open = 1;
    return true;
  }

  view(): [Float64Array, Float64Array, Float64Array, Float64Array] {
    const n = this.len;
    return [this.ts.subarray(0, n), this.avg.subarray(0, n), this.lo.subarray(0, n), this.hi.subarray(0, n)];
  }
}
