/**
 * The last `capacity` ticks of one (channel, source): a ring of their times and,
 * per metric, a ring of its values in the same slots (NaN where a tick did not
 * carry the metric). Every ring is allocated once at its full size and never
 * grows, whatever the number of ticks.
 */
export class GroupHistory {
  private readonly times: Float64Array;
  private readonly values = new Map<string, Float64Array>();
  /** Slot of the newest tick. */
  private newest = -1;
  private size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.times = new Float64Array(capacity);
  }

  /** Ticks held (at most `capacity`). */
  get length(): number {
    return this.size;
  }

  /** Metrics held. */
  get metrics(): number {
    return this.values.size;
  }

  /** Bytes of every ring: `(1 + metrics) × capacity × 8`, however many ticks came. */
  get bytes(): number {
    let n = this.times.byteLength;
    for (const v of this.values.values()) n += v.byteLength;
    return n;
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** A metric absent from every tick held so far; its ring (the one `set` writes, slot `newestSlot` the newest). */
  add(name: string): Float64Array {
    let ring = this.values.get(name);
    if (!ring) this.values.set(name, (ring = new Float64Array(this.capacity).fill(NaN)));
    return ring;
  }

  remove(name: string): void {
    this.values.delete(name);
  }

  /**
   * Starts a tick at `t` (overwriting the oldest when full); every metric is
   * absent from it until `set`. `every`: the caller writes every metric's ring
   * at `newestSlot` itself, so none is cleared first.
   */
  push(t: number, every = false): void {
    this.newest = (this.newest + 1) % this.capacity;
    this.times[this.newest] = t;
    if (!every) for (const v of this.values.values()) v[this.newest] = NaN;
    if (this.size < this.capacity) this.size++;
  }

  /** The slot of the newest tick in every ring (after the first push). */
  get newestSlot(): number {
    return this.newest;
  }

  /** The value of `name` at the newest tick; ignored before the first tick or for a metric not added. */
  set(name: string, v: number): void {
    const ring = this.values.get(name);
    if (ring && this.size) ring[this.newest] = v;
  }

  /** The newest `points` ticks' times (all when more are asked), as the wire's `t0` and `dt`. */
  timeline(points: number): { t0?: number; dt: number[] } {
    const n = this.count(points);
    if (!n) return { dt: [] };
    const start = this.oldestOf(n);
    const dt = new Array<number>(n - 1);
    let prev = this.times[start];
    for (let i = 1; i < n; i++) {
      const t = this.times[(start + i) % this.capacity];
      dt[i - 1] = t - prev;
      prev = t;
    }
    return { t0: this.times[start], dt };
  }

  /** The values of `name` at the newest `points` ticks, oldest first, null where absent. */
  column(name: string, points: number): (number | null)[] {
    const n = this.count(points);
    const out = new Array<number | null>(n);
    const ring = this.values.get(name);
    const start = this.oldestOf(n);
    for (let i = 0; i < n; i++) {
      const v = ring ? ring[(start + i) % this.capacity] : NaN;
      out[i] = Number.isNaN(v) ? null : v;
    }
    return out;
  }

  private count(points: number): number {
    return Math.max(0, Math.min(this.size, Math.floor(points)));
  }

  /** Slot of the oldest of the newest `n` ticks. */
  private oldestOf(n: number): number {
    return (this.newest - n + 1 + this.capacity) % this.capacity;
  }
}
