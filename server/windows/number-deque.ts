/**
 * A double-ended queue of numbers on a growable Float64Array ring.
 * All operations are O(1) amortised; it never shrinks, so a window's storage
 * settles at the largest number of samples it has held and stays there.
 */
export class NumberDeque {
  private buf: Float64Array;
  private head = 0;
  private size = 0;

  constructor(capacity = 16) {
    this.buf = new Float64Array(Math.max(2, capacity));
  }

  get length(): number {
    return this.size;
  }

  /** i-th element from the front (0 = oldest). */
  at(i: number): number {
    return this.buf[(this.head + i) % this.buf.length];
  }

  front(): number {
    return this.buf[this.head];
  }

  back(): number {
    return this.buf[(this.head + this.size - 1) % this.buf.length];
  }

  pushBack(x: number): void {
    if (this.size === this.buf.length) this.grow();
    this.buf[(this.head + this.size) % this.buf.length] = x;
    this.size++;
  }

  popFront(): number {
    const x = this.buf[this.head];
    this.head = (this.head + 1) % this.buf.length;
    this.size--;
    return x;
  }

  popBack(): number {
    this.size--;
    return this.buf[(this.head + this.size) % this.buf.length];
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
  }

  private grow(): void {
    const next = new Float64Array(this.buf.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = this.at(i);
    this.buf = next;
    this.head = 0;
  }
}
