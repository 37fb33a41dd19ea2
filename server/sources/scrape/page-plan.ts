import { isAscii } from 'node:buffer';
import { parseExposition, parseValue, type ExpoSample, type Family, type LineRecorder, type SeriesCache } from './exposition.js';

/*
 * A target's page plan: where each line of its last page lay and what it gave.
 * A target writes the same lines in the same order every round, only the values
 * move; so a page is first read against the plan, in bytes, undecoded (no
 * string of it made, nothing for the collector): every line must have the very
 * bytes of the last page's line at the same place up to its value (the whole line for a
 * comment or a blank; what follows a value, such as a timestamp, is ignored
 * as parseExposition ignores it), and the value must read as parseExposition
 * reads it. Then the page is the last page with new values, and
 * parseExposition would give the same families with these values: they are
 * returned, the same array as last time (expositionPoints knows it by that),
 * their samples given the new values. Anything else (a line added, removed,
 * changed or moved, a value that does not read, a page cut short or longer)
 * reads the page in full, decoded, as parseExposition does, which makes a new
 * plan. Only an all-ASCII page gets a plan (its character offsets are its byte
 * offsets); others are read in full every round.
 */

const FIXED = 0;
const SAMPLE = 1;
const EOF = 2;

export class PagePlan implements LineRecorder {
  /** The bytes of the last page the plan describes. */
  private page: Buffer | null = null;
  /** Per line: FIXED, SAMPLE or EOF; where it starts in `page`; how many bytes must match (a fixed line's all, with its `\n`). */
  private kinds: number[] = [];
  private starts: number[] = [];
  private lengths: number[] = [];
  /** Per sample line, its sample in `families`. */
  private samples: ExpoSample[] = [];
  private families: Family[] | null = null;
  /** The values of a page read against the plan, given to the samples once the whole page matched. */
  private values = new Float64Array(0);
  private text = '';
  /** Rounds read against the plan, and read in full: what a test and the bench look at. */
  hits = 0;
  misses = 0;

  /** The families of `page`, as parseExposition(page.toString(), cache) gives them; valid until the next read. */
  read(page: Buffer, cache: SeriesCache): Family[] {
    if (this.families && this.replay(page)) {
      this.page = page;
      this.hits++;
      return this.families;
    }
    this.misses++;
    this.clear();
    const ascii = isAscii(page);
    const text = page.toString(ascii ? 'latin1' : 'utf8');
    this.text = text;
    const families = parseExposition(text, cache, ascii ? this : undefined);
    this.text = '';
    if (ascii) {
      this.page = page;
      this.families = families;
      if (this.values.length < this.samples.length) this.values = new Float64Array(this.samples.length);
    } else this.clear();
    return families;
  }

  private clear(): void {
    this.page = null;
    this.families = null;
    this.kinds.length = this.starts.length = this.lengths.length = this.samples.length = 0;
  }

  fixed(from: number, next: number): void {
    this.line(FIXED, from, Math.min(next, this.text.length) - from);
  }

  eof(from: number, next: number): void {
    this.line(EOF, from, Math.min(next, this.text.length) - from);
  }

  sample(from: number, seriesEnd: number, sample: ExpoSample): void {
    // The bytes that must match: the series text and the blanks before the value.
    let i = seriesEnd;
    while (isBlank(this.text.charCodeAt(i))) i++;
    this.line(SAMPLE, from, i - from);
    this.samples.push(sample);
  }

  private line(kind: number, from: number, length: number): void {
    this.kinds.push(kind);
    this.starts.push(from);
    this.lengths.push(length);
  }

  /** Reads `page` against the plan: true (and the samples hold its values) when every line matched. */
  private replay(page: Buffer): boolean {
    const last = viewOf(this.page!);
    const now = viewOf(page);
    const { kinds, starts, lengths, values } = this;
    const size = page.length;
    let at = 0;
    let n = 0;
    for (let l = 0; l < kinds.length; l++) {
      const from = starts[l];
      const length = lengths[l];
      if (at + length > size || !same(now, at, last, from, length)) return false;
      // Where the line starts in this page, for the next round (a miss drops the plan).
      starts[l] = at;
      at += length;
      if (kinds[l] === EOF) {
        at = size;
        break;
      }
      if (kinds[l] === FIXED) continue;
      at = valueAt(page, at, values, n++);
      if (at < 0) return false;
    }
    if (at !== size) return false;
    for (let i = 0; i < n; i++) this.samples[i].value = values[i];
    return true;
  }
}

function viewOf(b: Buffer): DataView {
  return new DataView(b.buffer, b.byteOffset, b.length);
}

/**
 * Whether a[i, i + n) and b[j, j + n) hold the same bytes; four at a time (a
 * loop over bytes cost about three times as much; comparing each line as a
 * string of a Latin-1 decoding of the page about as much as this, but with a
 * page-sized string and a slice a line for the collector each round).
 */
function same(a: DataView, i: number, b: DataView, j: number, n: number): boolean {
  let k = 0;
  for (; k + 4 <= n; k += 4) if (a.getUint32(i + k) !== b.getUint32(j + k)) return false;
  for (; k < n; k++) if (a.getUint8(i + k) !== b.getUint8(j + k)) return false;
  return true;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/**
 * Reads the value of a sample line from `i` (after its series text and a
 * blank) as parseExposition does: blanks skipped, the value up to the next
 * blank or the line's end (a `\r` before `\n` or at the page's end is not
 * the line's), what follows ignored. Stores it at values[n]; returns where
 * the next line starts, or -1 when the value is not a number.
 */
function valueAt(page: Buffer, i: number, values: Float64Array, n: number): number {
  const size = page.length;
  while (i < size && isBlank(page[i])) i++;
  let j = i;
  while (j < size && page[j] !== 10 && !isBlank(page[j])) j++;
  let next = j;
  while (next < size && page[next] !== 10) next++;
  // The line's own end: a \r just before its \n (or the page's end) is not part of it.
  const end = next > i && page[next - 1] === 13 ? next - 1 : next;
  const to = j > end ? end : j;
  let v = decimalIn(page, i, to);
  if (v === undefined) {
    const s = parseValue(page.toString('latin1', i, to));
    if (s === null) return -1;
    v = s;
  }
  values[n] = v;
  return next < size ? next + 1 : size;
}

/** 10^0 … 10^22: every one exact as a double. */
const POW10: number[] = [1];
for (let k = 1; k <= 22; k++) POW10.push(POW10[k - 1] * 10);

/** exposition.ts's decimalAt on bytes: page[i, j) as a number by Clinger's fast path, or undefined. */
function decimalIn(page: Buffer, i: number, j: number): number | undefined {
  let c = i < j ? page[i] : -1;
  const neg = c === 45; /* - */
  if (neg || c === 43 /* + */) c = ++i < j ? page[i] : -1;
  let m = 0;
  let sig = 0;
  let digits = 0;
  let e = 0;
  while (c >= 48 && c <= 57) {
    digits++;
    if (m !== 0 || c !== 48) (m = m * 10 + (c - 48)), sig++;
    c = ++i < j ? page[i] : -1;
  }
  if (c === 46 /* . */) {
    c = ++i < j ? page[i] : -1;
    while (c >= 48 && c <= 57) {
      digits++;
      if (m !== 0 || c !== 48) (m = m * 10 + (c - 48)), sig++;
      e--;
      c = ++i < j ? page[i] : -1;
    }
  }
  if (digits === 0 || sig > 15) return undefined;
  if (c === 101 || c === 69 /* e E */) {
    c = ++i < j ? page[i] : -1;
    const eneg = c === 45;
    if (eneg || c === 43) c = ++i < j ? page[i] : -1;
    let x = 0;
    const start = i;
    while (c >= 48 && c <= 57 && i - start < 4) {
      x = x * 10 + (c - 48);
      c = ++i < j ? page[i] : -1;
    }
    if (i === start) return undefined;
    e += eneg ? -x : x;
  }
  if (i !== j || e < -22 || e > 22) return undefined;
  const v = e < 0 ? m / POW10[-e] : m * POW10[e];
  return neg ? -v : v;
}
