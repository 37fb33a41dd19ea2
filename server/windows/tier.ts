import { sameKeys } from '../../shared/series.js';

/** A coarse tier: buckets of `step` ms, `capacity` of them (so it spans step × capacity). */
export interface TierSpec {
  readonly name: string;
  readonly step: number;
  readonly capacity: number;
}

/**
 * The coarse tiers every series keeps beside its raw ring: 10 s buckets for an
 * hour and 1 min buckets for a day. A 7-day tier of 5 min buckets would add
 * 2016 × 34 B = 68 KB per series, past the 64 KB budget (1 h + 24 h take 61 KB),
 * so it is left out.
 */
export const TIERS: readonly TierSpec[] = Object.freeze([
  { name: '1h', step: 10_000, capacity: 360 },
  { name: '24h', step: 60_000, capacity: 1440 },
]);

/** Bytes of one series' block in a tier of `capacity` buckets (SeriesBuckets.block). */
export function blockBytes(capacity: number): number {
  return capacity * 32 + ((capacity * 2 + 7) & ~7);
}

/** The most ticks one bucket counts (counts are 16-bit); past it a bucket still folds min, max and last. */
export const COUNT_MAX = 0xffff;

/**
 * One series' buckets in one tier: min, max, sum and last as doubles and the
 * count as 16 bits, in fixed arrays (34 bytes a bucket). A bucket with count 0
 * holds nothing. The arrays lie one after the other in one block, in the order
 * and layout of the state file (docs/persistence.md), so a writer hands the
 * block to the file system as it is (`block`).
 */
export class SeriesBuckets {
  readonly min: Float64Array;
  readonly max: Float64Array;
  readonly sum: Float64Array;
  readonly last: Float64Array;
  readonly count: Uint16Array;
  /** min, max, sum, last (f64 × capacity each), then count (u16 × capacity, zero-padded to 8 bytes). */
  readonly block: Buffer;

  constructor(readonly capacity: number) {
    const mem = new ArrayBuffer(blockBytes(capacity));
    this.min = new Float64Array(mem, 0, capacity);
    this.max = new Float64Array(mem, capacity * 8, capacity);
    this.sum = new Float64Array(mem, capacity * 16, capacity);
    this.last = new Float64Array(mem, capacity * 24, capacity);
    this.count = new Uint16Array(mem, capacity * 32, capacity);
    this.block = Buffer.from(mem);
  }

  get bytes(): number {
    return this.capacity * 34;
  }

  fold(slot: number, v: number): void {
    const n = this.count[slot];
    if (n === 0) {
      this.min[slot] = this.max[slot] = this.sum[slot] = this.last[slot] = v;
      this.count[slot] = 1;
      return;
    }
    if (v < this.min[slot]) this.min[slot] = v;
    if (v > this.max[slot]) this.max[slot] = v;
    this.last[slot] = v;
    // A full count stops the sum too, so sum / count stays an average.
    if (n < COUNT_MAX) {
      this.sum[slot] += v;
      this.count[slot] = n + 1;
    }
  }

  clear(slot: number): void {
    this.count[slot] = 0;
  }
}

/**
 * One tier of one (channel, source) group: which bucket each slot holds (one
 * array for the whole group, since its series tick together) and each series'
 * buckets. Bucket `b` covers [b × step, (b + 1) × step) in ms since the epoch and
 * lives in slot b mod capacity; buckets are aligned to the epoch, so every
 * instance that folds the same ticks holds the same buckets.
 */
export class TierRing {
  /** The bucket number each slot holds, NaN for none. */
  readonly slots: Float64Array;
  /** Each series' buckets, without settling the open bucket's (settle()). */
  private readonly held = new Map<string, SeriesBuckets>();
  /** The newest bucket of the series of a group's ticks, while ticks fold into it (see OpenBucket). */
  private open: OpenBucket | null = null;
  /** The newest bucket number, -Infinity before any tick. */
  newest = -Infinity;
  /** The first bucket ever opened: nothing older than it was ever seen. */
  first = Infinity;

  /** The bytes of `slots`, for a writer. */
  readonly slotBytes: Buffer;

  constructor(readonly spec: TierSpec) {
    this.slots = new Float64Array(spec.capacity).fill(NaN);
    this.slotBytes = Buffer.from(this.slots.buffer);
  }

  /** Each series' buckets, the open one written back first: what every reader and writer but fold() sees. */
  get series(): Map<string, SeriesBuckets> {
    this.settle();
    return this.held;
  }

  /** The slot of the bucket of time `t`, opening buckets up to it; -1 when `t` is older than the ring. */
  slotFor(t: number): number {
    const { step, capacity } = this.spec;
    const b = Math.floor(t / step);
    if (b > this.newest) {
      this.settle();
      const from = this.newest === -Infinity ? b : Math.max(this.newest + 1, b - capacity + 1);
      if (from < this.first) this.first = from;
      for (let x = from; x <= b; x++) {
        const slot = x % capacity;
        this.slots[slot] = x;
        for (const s of this.held.values()) s.clear(slot);
      }
      this.newest = b;
    }
    if (b <= this.newest - capacity) return -1;
    const slot = b % capacity;
    return this.slots[slot] === b ? slot : -1;
  }

  bucketsOf(key: string): SeriesBuckets {
    const held = this.series;
    let s = held.get(key);
    if (!s) held.set(key, (s = new SeriesBuckets(this.spec.capacity)));
    return s;
  }

  /**
   * Folds a tick's values into `slot`: `keys` in the tick's order, `vs` their
   * values; `admit(key)` says whether a series not yet held may be (a cap).
   * Same result, bit for bit, as each series' buckets.fold(slot, v); but while
   * a group's ticks keep their keys and their bucket, the figures of the bucket
   * being filled live side by side in one array (OpenBucket), so a tick of
   * 1,000 series touches one block of memory rather than five arrays apiece of
   * 1,000 series' 60 KB (what the tiers cost a scrape round most: cache misses).
   */
  foldTick(slot: number, keys: readonly string[], vs: Float64Array, admit: (key: string) => boolean): void {
    let open = this.open;
    if (!open || open.slot !== slot || !open.fits(keys)) {
      this.settle();
      this.open = open = new OpenBucket(slot, keys, keys.map((k) => this.held.get(k) ?? (admit(k) ? this.newBuckets(k) : null)));
    }
    open.fold(vs);
  }

  /** Writes the open bucket's figures back into the series' arrays and stops folding there. */
  settle(): void {
    this.open?.settle();
    this.open = null;
  }

  private newBuckets(key: string): SeriesBuckets {
    const s = new SeriesBuckets(this.spec.capacity);
    this.held.set(key, s);
    return s;
  }

  /** The oldest bucket number that may hold data (none before the first tick). */
  get oldest(): number {
    return Math.max(this.first, this.newest - this.spec.capacity + 1);
  }

  get bytes(): number {
    let n = this.slots.byteLength;
    for (const s of this.held.values()) n += s.bytes;
    return n;
  }
}

/**
 * The newest bucket of every series of a group's ticks, figures side by side:
 * count, min, max, sum and last of the series at the tick's k-th key at 5k.
 * Read from the series' arrays when made, written back by settle(), which
 * runs before anything else reads or writes them (TierRing.series).
 */
class OpenBucket {
  private readonly figures: Float64Array;
  /** Keys whose series were left out by the cap: a later tick may admit them. */
  private readonly refused: boolean;

  constructor(
    readonly slot: number,
    private readonly keys: readonly string[],
    private readonly buckets: readonly (SeriesBuckets | null)[],
  ) {
    const f = (this.figures = new Float64Array(5 * keys.length));
    let refused = false;
    for (let k = 0; k < buckets.length; k++) {
      const b = buckets[k];
      if (!b) {
        refused = true;
        continue;
      }
      f[5 * k] = b.count[slot];
      f[5 * k + 1] = b.min[slot];
      f[5 * k + 2] = b.max[slot];
      f[5 * k + 3] = b.sum[slot];
      f[5 * k + 4] = b.last[slot];
    }
    this.refused = refused;
  }

  /** Whether a tick of these keys folds here: the same keys in the same order, and none refused. */
  fits(keys: readonly string[]): boolean {
    return !this.refused && sameKeys(this.keys, keys);
  }

  /** SeriesBuckets.fold of every series, on the figures here. */
  fold(vs: Float64Array): void {
    const f = this.figures;
    const buckets = this.buckets;
    for (let k = 0, o = 0; k < buckets.length; k++, o += 5) {
      if (!buckets[k]) continue;
      const v = vs[k];
      const n = f[o];
      if (n === 0) {
        f[o] = 1;
        f[o + 1] = f[o + 2] = f[o + 3] = f[o + 4] = v;
        continue;
      }
      if (v < f[o + 1]) f[o + 1] = v;
      if (v > f[o + 2]) f[o + 2] = v;
      f[o + 4] = v;
      if (n < COUNT_MAX) {
        f[o + 3] += v;
        f[o] = n + 1;
      }
    }
  }

  settle(): void {
    const f = this.figures;
    const slot = this.slot;
    for (let k = 0; k < this.buckets.length; k++) {
      const b = this.buckets[k];
      if (!b) continue;
      b.count[slot] = f[5 * k];
      b.min[slot] = f[5 * k + 1];
      b.max[slot] = f[5 * k + 2];
      b.sum[slot] = f[5 * k + 3];
      b.last[slot] = f[5 * k + 4];
    }
  }
}
