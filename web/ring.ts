/**
 * A fixed-capacity series of (t, v) points, oldest first, that never allocates
 * after construction except for the two views it hands to uPlot.
 *
 * Storage is twice the capacity: points are appended at `end`, and when the
 * storage is full the newest `capacity` points are copied to the front once
 * (amortised O(1) per push). `view()` returns contiguous typed-array views, so
 * uPlot reads the buffers in place.
 */
export class Ring {
  readonly capacity: number;
  private readonly ts: Float64Array;
  private readonly vs: Float64Array;
  private start = 0;
  private end = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.ts = new Float64Array(capacity * 2);
    this.vs = new Float64Array(capacity * 2);
  }

  get length(): number {
    return this.end - this.start;
  }

  /** Time of the newest point, or NaN when empty. */
  get lastT(): number {
    return this.length ? this.ts[this.end - 1] : NaN;
  }

  get lastV(): number {
    return this.length ? this.vs[this.end - 1] : NaN;
  }

  /** Gap between the two newest points, or NaN with fewer than two. */
  get lastGap(): number {
    return this.length > 1 ? this.ts[this.end - 1] - this.ts[this.end - 2] : NaN;
  }

  /** Appends a point; a point not newer than the newest one is ignored (replays after a reconnect). */
  push(t: number, v: number): boolean {
    if (this.length && t <= this.ts[this.end - 1]) return false;
    if (this.end === this.ts.length) {
      const keep = this.capacity - 1;
      this.ts.copyWithin(0, this.end - keep, this.end);
      this.vs.copyWithin(0, this.end - keep, this.end);
      this.start = 0;
      this.end = keep;
    } else if (this.length === this.capacity) {
      this.start++;
    }
    this.ts[this.end] = t;
    this.vs[this.end] = v;
    this.end++;
    return true;
  }

  clear(): void {
    this.start = 0;
    this.end = 0;
  }

  /**
   * Replaces the content with the newest `capacity` points of parallel arrays
   * (oldest first), skipping times whose value is null (a tick without this metric).
   */
  fill(t: readonly number[], v: readonly (number | null)[]): void {
    this.clear();
    const n = Math.min(t.length, v.length);
    let from = n;
    for (let kept = 0; from > 0 && kept < this.capacity; ) if (v[--from] !== null) kept++;
    for (let i = from; i < n; i++) {
      const x = v[i];
      if (x !== null) this.push(t[i], x);
    }
  }

  /** Views of the current points, oldest first; valid until the next push. */
  view(): [Float64Array, Float64Array] {
    return [this.ts.subarray(this.start, this.end), this.vs.subarray(this.start, this.end)];
  }
}
