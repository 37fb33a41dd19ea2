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

  /** One ASCII character by its code. */
  byte(c: number): void {
    if (this.at + 1 > this.buf.length) this.grow(1);
    this.buf[this.at++] = c;
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
