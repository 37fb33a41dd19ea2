/**
 * A double-ended queue of numbers on a growable Float64Array ring.
 * All operations are O(1) amortised; it never shrinks, so a window's storage
 * settles at the largest number of samples it has held and stays there.
 */
export class NumberDeque {
  private buf: Float64Array;
  /** buf.length - 1: the length is a power of two, so wrapping is a mask rather than a division. */
  private mask: number;
  private head = 0;
  private size = 0;

  constructor(capacity = 16) {
    let n = 2;
    while (n < capacity) n *= 2;
    this.buf = new Float64Array(n);
    this.mask = n - 1;
  }

  get length(): number {
    return this.size;
  }

  /** i-th element from the front (0 = oldest). */
  at(i: number): number {
    return this.buf[(this.head + i) & this.mask];
  }

  front(): number {
    return this.buf[this.head];
  }

  back(): number {
    return this.buf[(this.head + this.size - 1) & this.mask];
  }

  pushBack(x: number): void {
    if (this.size === this.buf.length) this.grow();
    this.buf[(this.head + this.size) & this.mask] = x;
    this.size++;
  }

  popFront(): number {
    const x = this.buf[this.head];
    this.head = (this.head + 1) & this.mask;
    this.size--;
    return x;
  }

  popBack(): number {
    this.size--;
    return this.buf[(this.head + this.size) & this.mask];
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
  }

  private grow(): void {
    const next = new Float64Array(this.buf.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = this.at(i);
    this.buf = next;
    this.mask = next.length - 1;
    this.head = 0;
  }
}
