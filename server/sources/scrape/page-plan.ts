import { isAscii } from 'node:buffer';
import { decimalAt, parseExposition, parseValue, type ExpoSample, type Family, type LineRecorder, type SeriesCache } from './exposition.js';

/*
 * A target's page plan: where each line of its last page lay and what it gave.
 * A target writes the same lines in the same order every round, only the values
 * move; so a page is first read against the plan, as Latin-1 (one character
 * per byte, no UTF-8 decoding): every line must have the very bytes of the
 * last page's line at the same place up to its value (the whole line for a
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
  /** Per line: FIXED, SAMPLE or EOF, and the text it must start with (a fixed line's all, with its `\n`; a sample line's up to its value). */
  private kinds: number[] = [];
  private lines: string[] = [];
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
      this.families = families;
      if (this.values.length < this.samples.length) this.values = new Float64Array(this.samples.length);
    } else this.clear();
    return families;
  }

  private clear(): void {
    this.families = null;
    this.kinds.length = this.lines.length = this.samples.length = 0;
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
    // A slice of the page's text: the plan keeps that one text, not a copy per line.
    this.lines.push(this.text.slice(from, from + length));
  }

  /** Reads `page` against the plan: true (and the samples hold its values) when every line matched. */
  private replay(page: Buffer): boolean {
    // Latin-1 is one character per byte: offsets stay byte offsets, and a non-ASCII byte matches no line of the plan.
    const text = page.toString('latin1');
    const { kinds, lines, values } = this;
    const size = text.length;
    let at = 0;
    let n = 0;
    for (let l = 0; l < kinds.length; l++) {
      const line = lines[l];
      const end = at + line.length;
      // One string comparison (V8 compares the characters in bulk; a loop over bytes costs several times as much).
      if (end > size || text.slice(at, end) !== line) return false;
      at = end;
      if (kinds[l] === EOF) {
        at = size;
        break;
      }
      if (kinds[l] === FIXED) continue;
      at = valueAt(text, at, values, n++);
      if (at < 0) return false;
    }
    if (at !== size) return false;
    for (let i = 0; i < n; i++) this.samples[i].value = values[i];
    return true;
  }
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
function valueAt(text: string, i: number, values: Float64Array, n: number): number {
  const size = text.length;
  while (i < size && isBlank(text.charCodeAt(i))) i++;
  let j = i;
  for (let c = text.charCodeAt(j); j < size && c !== 10 && !isBlank(c); c = text.charCodeAt(++j));
  let next = j;
  while (next < size && text.charCodeAt(next) !== 10) next++;
  // The line's own end: a \r just before its \n (or the page's end) is not part of it.
  const end = next > i && text.charCodeAt(next - 1) === 13 ? next - 1 : next;
  const to = j > end ? end : j;
  let v = decimalAt(text, i, to);
  if (v === undefined) {
    const s = parseValue(text.slice(i, to));
    if (s === null) return -1;
    v = s;
  }
  values[n] = v;
  return next < size ? next + 1 : size;
}
