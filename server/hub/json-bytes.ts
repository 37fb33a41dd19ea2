/**
 * JSON text written as UTF-8 bytes into one buffer reused from tick to tick.
 * A tick of a 1,000-series source was a rope of some 3,000 strings, flattened
 * into a 90 KB string and then encoded into the frame's bytes: two thirds of
 * what the server allocated a round, and the scavenges that came with it.
 * Written here, what is left to allocate is the frame itself.
 */
const START = 1 << 16;

export class JsonBytes {
  private buf = Buffer.allocUnsafeSlow(START);
  private at = 0;

  /** Starts a new text (what was written is dropped). A buffer grown past 4 MiB for a text a quarter of it is let go. */
  begin(): this {
    if (this.buf.length > 1 << 22 && this.at < this.buf.length / 4) this.buf = Buffer.allocUnsafeSlow(START);
    this.at = 0;
    return this;
  }

  /** ASCII text: numbers, punctuation, field names. */
  ascii(s: string): void {
    const n = s.length;
    if (this.at + n > this.buf.length) this.grow(n);
    const b = this.buf;
    let at = this.at;
    for (let i = 0; i < n; i++) b[at++] = s.charCodeAt(i);
    this.at = at;
  }

  /** Where the next byte goes: a mark for copyFrom. */
  get length(): number {
    return this.at;
  }

  /** The bytes `src` holds from `from` on (what it wrote since that mark). */
  copyFrom(src: JsonBytes, from: number): void {
    const n = src.at - from;
    if (this.at + n > this.buf.length) this.grow(n);
    const b = this.buf;
    const s = src.buf;
    let at = this.at;
    for (let i = from; i < src.at; i++) b[at++] = s[i];
    this.at = at;
  }

  /**
   * `x` as `text(x)` gives it, the number's shortest exact JSON form (tick-json's
   * num), its digits written straight for whole numbers up to 2^31 and for
   * numbers from 0.01 to 1e9 with at most six decimals: most of what a tick
   * carries (gauges, rates of whole counts, host figures at their digits). Else
   * `text(x)` is written. String(x) and copying its text cost 100-250 ns a
   * number, a third of what writing a tick cost.
   */
  number(x: number, text: (x: number) => string): void {
    if (x === (x | 0)) {
      // num() keeps the plain form below 100000 and for any number not ending in 00 (else 1e5, 1.529e9 can be shorter).
      if ((x < 100_000 && x > -100_000) || x % 100 !== 0) {
        this.whole(x);
        return;
      }
    } else {
      const a = x < 0 ? -x : x;
      if (a >= 0.01 && a < 1e9) {
        // Six decimals or fewer: m / 1e6 is then exactly x (both the nearest double to the same decimal), and
        // the decimal m·10⁻⁶ without its trailing zeros is x's shortest form (a shorter one would round to m too).
        const m = Math.round(a * 1e6);
        if (m / 1e6 === a) {
          this.decimal(x < 0, m);
          return;
        }
      }
    }
    this.ascii(text(x));
  }

  /** A whole number of at most 31 bits and its sign. */
  private whole(x: number): void {
    if (this.at + 12 > this.buf.length) this.grow(12);
    if (x < 0) {
      this.buf[this.at++] = 0x2d;
      x = -x;
    }
    this.digits(x, 0);
  }

  /** m·10⁻⁶ (m < 1e15, not a whole number of millions), its sign, and no trailing zeros. */
  private decimal(negative: boolean, m: number): void {
    if (this.at + 18 > this.buf.length) this.grow(18);
    if (negative) this.buf[this.at++] = 0x2d;
    let frac = m % 1e6;
    let places = 6;
    while (frac !== 0 && frac % 10 === 0) {
      frac /= 10;
      places--;
    }
    this.digits((m - (m % 1e6)) / 1e6, 0);
    this.buf[this.at++] = 0x2e;
    this.digits(frac, places);
  }

  /** The decimal digits of n (a whole number below 2^31), left-padded with zeros to `width`. */
  private digits(n: number, width: number): void {
    let len = 1;
    for (let p = 10; p <= n && len < 10; p *= 10) len++;
    if (len < width) len = width;
    const b = this.buf;
    let at = this.at + len;
    this.at = at;
    for (let i = 0; i < len; i++) {
      const q = (n / 10) | 0;
      b[--at] = 0x30 + n - q * 10;
      n = q;
    }
  }

  /** One ASCII character by its code. */
  byte(c: number): void {
    if (this.at + 1 > this.buf.length) this.grow(1);
    this.buf[this.at++] = c;
  }

  /** A few bytes made before (a field's name), copied one by one: for so few, cheaper than a call to set(). */
  raw(src: Uint8Array): void {
    const n = src.length;
    if (this.at + n > this.buf.length) this.grow(n);
    const b = this.buf;
    let at = this.at;
    for (let i = 0; i < n; i++) b[at++] = src[i];
    this.at = at;
  }

  /** Bytes made before (a key's `"key":` in UTF-8, KeyJson). */
  bytes(src: Uint8Array): void {
    if (this.at + src.length > this.buf.length) this.grow(src.length);
    this.buf.set(src, this.at);
    this.at += src.length;
  }

  /** Any string as a JSON string (quoted and escaped as JSON.stringify does), in UTF-8. */
  string(s: string): void {
    const json = JSON.stringify(s);
    // At most 3 bytes of UTF-8 per UTF-16 unit.
    if (this.at + 3 * json.length > this.buf.length) this.grow(3 * json.length);
    this.at += this.buf.write(json, this.at, 'utf8');
  }

  /** The text written since begin, between `head` and `tail` (ASCII), as a Buffer of its own. */
  framed(head: string, tail: string): Buffer {
    const out = Buffer.allocUnsafe(head.length + this.at + tail.length);
    out.write(head, 0, 'latin1');
    this.buf.copy(out, head.length, 0, this.at);
    out.write(tail, head.length + this.at, 'latin1');
    return out;
  }

  /** The text written since begin, as a string. */
  text(): string {
    return this.buf.toString('utf8', 0, this.at);
  }

  private grow(n: number): void {
    let size = this.buf.length * 2;
    while (size < this.at + n) size *= 2;
    const bigger = Buffer.allocUnsafeSlow(size);
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }
}
