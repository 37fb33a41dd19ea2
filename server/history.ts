import type { History } from '../shared/schema.js';

/** The last `capacity` points of one series, in a fixed ring that never grows. */
export class HistoryRing {
  private readonly t: Float64Array;
  private readonly v: Float64Array;
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.t = new Float64Array(capacity);
    this.v = new Float64Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  push(t: number, v: number): void {
    this.t[this.next] = t;
    this.v[this.next] = v;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** Oldest first, as plain arrays for JSON and uPlot. */
  toJSON(): History {
    const t = new Array<number>(this.size);
    const v = new Array<number>(this.size);
    const start = (this.next - this.size + this.capacity) % this.capacity;
    for (let i = 0; i < this.size; i++) {
      const j = (start + i) % this.capacity;
      t[i] = this.t[j];
      v[i] = this.v[j];
    }
    return { t, v };
  }
}
