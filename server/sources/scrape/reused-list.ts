/**
 * A list filled anew every round in one array kept from round to round: grown
 * again by hundreds of pushes, a fresh array was ~20 KB of garbage a round.
 * What end() returns is read before the next begin(), which writes over it.
 */
export class ReusedList<T> {
  private readonly items: T[] = [];
  private n = 0;

  begin(): this {
    this.n = 0;
    return this;
  }

  add(x: T): void {
    if (this.n < this.items.length) this.items[this.n] = x;
    else this.items.push(x);
    this.n++;
  }

  /** What was added since begin (a round with fewer than the last lets the rest go). */
  end(): T[] {
    if (this.items.length > this.n) this.items.length = this.n;
    return this.items;
  }
}
