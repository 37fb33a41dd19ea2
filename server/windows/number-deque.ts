/**
 * A double-ended queue of number pairs (a, b) on one growable Float64Array
 * ring, each pair side by side: a window's time and value, or a sequence number
 * and value, are read together, so one array (one cache line) serves both.
 * All operations are O(1) amortised; it never shrinks, so a window's storage
 * settles at the largest number of pairs it has held and stays there.
 */
export class PairDeque {
  private buf: Float64Array;
  /** Pairs the ring holds - 1: a power of two, so wrapping is a mask rather than a division. */
  private mask: number;
  private head = 0;
  private size = 0;

  constructor(capacity = 16) {
    let n = 2;
    while (n < capacity) n *= 2;
    this.buf = new Float64Array(2 * n);
    this.mask = n - 1;
  }

  get length(): number {
    return this.size;
  }

  /** `a` of the i-th pair from the front (0 = oldest). */
  a(i: number): number {
    return this.buf[2 * ((this.head + i) & this.mask)];
  }

  /** `b` of the i-th pair from the front. */
  b(i: number): number {
    return this.buf[2 * ((this.head + i) & this.mask) + 1];
  }

  frontA(): number {
    return this.buf[2 * this.head];
  }

  frontB(): number {
    return this.buf[2 * this.head + 1];
  }

  backA(): number {
    return this.buf[2 * ((this.head + this.size - 1) & this.mask)];
  }

  backB(): number {
    return this.buf[2 * ((this.head + this.size - 1) & this.mask) + 1];
  }

  pushBack(a: number, b: number): void {
    if (this.size > this.mask) this.grow();
    const i = 2 * ((this.head + this.size) & this.mask);
    this.buf[i] = a;
    this.buf[i + 1] = b;
    this.size++;
  }

  popFront(): void {
    this.head = (this.head + 1) & this.mask;
    this.size--;
  }

  popBack(): void {
    this.size--;
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
  }

  private grow(): void {
    const n = 2 * (this.mask + 1);
    const next = new Float64Array(2 * n);
    for (let i = 0; i < this.size; i++) {
      next[2 * i] = this.a(i);
      next[2 * i + 1] = this.b(i);
    }
    this.buf = next;
    this.mask = n - 1;
    this.head = 0;
  }
}
