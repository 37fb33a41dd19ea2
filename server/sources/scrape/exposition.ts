/*
 * The Prometheus text format (0.0.4) and OpenMetrics text (1.0), read into
 * families of samples. Hand-written rather than parse-prometheus-text-format,
 * the only maintained npm parser we found: on OpenMetrics it files `x_total`
 * and `x_created` as untyped families apart from counter `x`, reads an
 * exemplar as the timestamp, and it drops a histogram's labels, merging every
 * label set into one (measured in scripts/bench-scrape.ts, which also times
 * both). prom-client and the OpenTelemetry JS packages write the format but
 * do not read it.
 *
 * Rules: `# TYPE` names a family; a sample belongs to the family of its own
 * name or of its name less one of the suffixes below. `# HELP`, `# UNIT`
 * and other comments are skipped, `# EOF` ends the text, an exemplar
 * (` # {…} v [t]`) and a timestamp are ignored. A malformed line throws
 * ExpositionError naming the line, so garbage fails fast on its first line.
 */

export type FamilyType = 'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'untyped' | 'info' | 'stateset' | 'unknown';

export interface ExpoSample {
  /** '' or the suffix after the family name: _total, _created, _bucket, _count, _sum, … */
  suffix: string;
  /** Null-prototype object: a label called __proto__ is just a label. Shared between scrapes: never mutate. */
  labels: Record<string, string>;
  value: number;
  /** What later stages work out once per series (legal labels, key), kept with the series cache. */
  memo: SeriesMemo;
}

/**
 * What the stages after parsing work out once per series (exposition-points.ts),
 * kept as long as the series stays in the cache. Each field pair is a one-entry
 * cache: the value and what it was worked out for (a series almost always
 * belongs to one family name); fixed fields rather than a dictionary, as this is
 * read for every sample of every round.
 */
export class SeriesMemo {
  /** The name `legal` was worked out under, and it. */
  legalFor: string | undefined = undefined;
  legal: unknown = undefined;
  /** The same for the series' group (histogram/summary series less le/quantile). */
  groupFor: string | undefined = undefined;
  group: unknown = undefined;
  /** The label dropped for `groupKey`, and the key of the series' labels less it. */
  keyLess: string | undefined = undefined;
  groupKey = '';
  /** The series' gauge or counter point, and the round (points list) it was last given to. */
  point: unknown = null;
  pointIn: unknown = null;
  /** A bucket's `le` label as read, and its bound as a number. */
  leFor: string | undefined = undefined;
  le = NaN;
}

/**
 * The series of earlier scrapes of one target by their text (`name{labels}`): a
 * line whose series was seen is not parsed again beyond its value. Cleared when
 * it grows past `max` (a target whose label values never repeat).
 */
export class SeriesCache {
  readonly map = new Map<string, Series>();
  /** Counts parses: a series' sample object is reused once per parse. */
  round = 0;
  /**
   * The series of the last parse's sample lines in page order, and this
   * parse's (swapped at its end): a target writes its lines in the same order
   * every round, so the n-th sample line is first compared with the n-th
   * series of the last page (one string comparison, no hash of the text).
   */
  last: Series[] = [];
  next: Series[] = [];
  constructor(readonly max = 50_000) {}
}

/** One series text read: its name and labels, and the family it would join by a suffix (base '' when none). */
interface Series {
  /** The series text (`name{labels}`) as the page writes it. */
  text: string;
  /**
   * Its sample in the last parse, and that parse's round: the next parse reuses
   * the object (it is read within the round, and most series come once a page),
   * so a round allocates no sample for a known series.
   */
  sample: ExpoSample | null;
  round: number;
  name: string;
  labels: Record<string, string>;
  memo: SeriesMemo;
  base: string;
  suffix: string;
}

export interface Family {
  name: string;
  type: FamilyType;
  samples: ExpoSample[];
}

export class ExpositionError extends Error {}

const SUFFIXES = ['_total', '_created', '_bucket', '_count', '_sum', '_gcount', '_gsum', '_info'];
const TYPES = new Set<string>(['counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'untyped', 'info', 'stateset', 'unknown']);

/**
 * Every family of an exposition, in order of first appearance. With a cache, the
 * samples returned are valid until the next parse with that cache, which reuses
 * their objects: read them within the round (as a scrape target does).
 */
/**
 * Told where each line of a parse lies in the text (character offsets), as a
 * page plan (page-plan.ts) remembers a page's layout: `fixed` for a line read
 * as nothing but a type (comments, blanks, `# TYPE`), `sample` with where its
 * series text ends and the sample it gave, `eof` for `# EOF`. `next` is where
 * the next line starts (past the text's end for a last line without `\n`).
 */
export interface LineRecorder {
  fixed(from: number, next: number): void;
  sample(from: number, seriesEnd: number, sample: ExpoSample): void;
  eof(from: number, next: number): void;
}

export function parseExposition(text: string, cache: SeriesCache = new SeriesCache(0), rec?: LineRecorder): Family[] {
  const families = new Map<string, Family>();
  if (cache.map.size > cache.max) {
    cache.map.clear();
    cache.last.length = 0;
  }
  cache.round++;
  const order = cache.max > 0 ? cache.next : null;
  let samples = 0;
  let lineNo = 0;
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const from = pos;
    pos = end + 1;
    lineNo++;
    if (end > from && text.charCodeAt(end - 1) === 13 /* \r */) end--;
    const c = text.charCodeAt(from);
    if (end === from) {
      rec?.fixed(from, pos);
      continue;
    }
    if (c === 35 /* # */) {
      if (end - from === 5 && text.startsWith('# EOF', from)) {
        rec?.eof(from, pos);
        break;
      }
      if (text.startsWith('# TYPE ', from)) typeLine(text.slice(from, end), families, lineNo);
      rec?.fixed(from, pos);
      continue;
    }
    if (!(c > 32 && c < 127) && /^\s*$/.test(text.slice(from, end))) {
      rec?.fixed(from, pos);
      continue;
    }
    const series = sameLine(text, from, end, families, cache, samples) ?? knownLine(text, from, end, families, cache) ?? sampleLine(text.slice(from, end), families, lineNo, cache);
    // Just pushed, the series' sample is this line's.
    rec?.sample(from, from + series.text.length, series.sample!);
    // At most `max` remembered: a page of millions of lines of one series must not leave an array as long behind.
    if (order && samples < cache.max) order[samples] = series;
    samples++;
  }
  if (order) {
    order.length = Math.min(samples, cache.max);
    cache.next = cache.last;
    cache.last = order;
  }
  return [...families.values()];
}

/**
 * A sample line of the series the last page had at the same place (its `n`-th
 * sample line): the line starts with that series' text and a blank. Then the
 * full reading would end the series at the same place (it scans the same
 * characters), so what follows is read as sampleLine reads it. Anything else
 * returns null and takes the other readings.
 */
function sameLine(text: string, from: number, end: number, families: Map<string, Family>, cache: SeriesCache, n: number): Series | null {
  if (n >= cache.last.length) return null;
  const series = cache.last[n];
  const after = from + series.text.length;
  if (after >= end || !isBlank(text.charCodeAt(after)) || text.slice(from, after) !== series.text) return null;
  return valueOf(text, after, end, families, series, cache.round) ? series : null;
}

/** Reads the value after a known series' text (from `i`, at a blank) and files the sample; false when it is not a number. */
function valueOf(text: string, i: number, end: number, families: Map<string, Family>, series: Series, round: number): boolean {
  while (isBlank(text.charCodeAt(i))) i++;
  let j = i;
  while (j < end && !isBlank(text.charCodeAt(j))) j++;
  let value = decimalAt(text, i, j);
  if (value === undefined) {
    const v = parseValue(text.slice(i, j));
    if (v === null) return false;
    value = v;
  }
  push(familyOf(series, families), series, value, round);
  return true;
}

/**
 * A sample line whose series text was seen in an earlier scrape, read without
 * reading its name and labels again: the text before the last space, or the one
 * before it when a timestamp follows, is looked up in the cache. A cached text is a whole series
 * text, so the full reading would end the series at the same place; what follows
 * is then read as sampleLine reads it. Anything else (a new series, an exemplar,
 * a bad value) returns null and takes the full reading, which reports errors.
 */
function knownLine(text: string, from: number, end: number, families: Map<string, Family>, cache: SeriesCache): Series | null {
  if (cache.max <= 0) return null;
  const sp = text.lastIndexOf(' ', end - 1);
  if (sp <= from) return null;
  let series = cache.map.get(text.slice(from, sp));
  if (!series) {
    const sp2 = text.lastIndexOf(' ', sp - 1);
    if (sp2 <= from) return null;
    series = cache.map.get(text.slice(from, sp2));
    if (!series) return null;
  }
  return valueOf(text, from + series.text.length, end, families, series, cache.round) ? series : null;
}

/** The same text in memory of its own (V8 keeps a slice of 13 or more characters as a view into its parent). */
function detached(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/** A sample of `series` in `family`; its suffix is the series' own when it joined a family by it. */
function push(family: Family, series: Series, value: number, round: number): void {
  const suffix = family.name === series.name ? '' : series.suffix;
  let sample = series.sample;
  if (sample && series.round !== round) {
    sample.suffix = suffix;
    sample.value = value;
  } else {
    sample = { suffix, labels: series.labels, value, memo: series.memo };
    series.sample = sample;
  }
  series.round = round;
  family.samples.push(sample);
}

function typeLine(line: string, families: Map<string, Family>, lineNo: number): void {
  const parts = line.slice(7).trim().split(/\s+/);
  const [name, type] = parts;
  if (!name || !type || !TYPES.has(type.toLowerCase()) || !validName(name)) throw new ExpositionError(`line ${lineNo}: bad # TYPE line`);
  const f = families.get(name);
  if (f && f.samples.length > 0 && f.type !== type.toLowerCase()) throw new ExpositionError(`line ${lineNo}: # TYPE ${name} after its samples`);
  if (f) f.type = type.toLowerCase() as FamilyType;
  else families.set(name, { name, type: type.toLowerCase() as FamilyType, samples: [] });
}

function validName(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isNameChar(s.charCodeAt(i), i === 0)) return false;
  return true;
}

function sampleLine(line: string, families: Map<string, Family>, lineNo: number, cache: SeriesCache): Series {
  const end = seriesEnd(line, lineNo);
  const text = line.slice(0, end);
  let series = cache.map.get(text);
  if (!series) {
    // A copy of its own: a slice would keep the whole page it came from alive as long as the series is cached.
    const own = cache.max > 0 ? detached(text) : text;
    series = readSeries(own, end, lineNo);
    if (cache.max > 0) cache.map.set(own, series);
  }
  let i = end;
  if (line.charCodeAt(i) !== 32 && line.charCodeAt(i) !== 9) throw new ExpositionError(`line ${lineNo}: expected a space before the value`);
  while (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9) i++;
  let j = i;
  while (j < line.length && line.charCodeAt(j) !== 32 && line.charCodeAt(j) !== 9) j++;
  const value = parseValue(line.slice(i, j));
  if (value === null) throw new ExpositionError(`line ${lineNo}: value ${JSON.stringify(line.slice(i, j).slice(0, 40))} is not a number`);
  // What follows (a timestamp, an exemplar) does not change the value: Vigil stamps samples itself.
  push(familyOf(series, families), series, value, cache.round);
  return series;
}

/** Where the series text (`name` or `name{…}`) of a line ends, skipping quoted label values. */
function seriesEnd(line: string, lineNo: number): number {
  let i = 0;
  while (i < line.length && isNameChar(line.charCodeAt(i), i === 0)) i++;
  if (i === 0) throw new ExpositionError(`line ${lineNo}: expected a metric name`);
  if (line.charCodeAt(i) !== 123 /* { */) return i;
  let quoted = false;
  for (i++; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (quoted) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) quoted = false;
    } else if (c === 34) quoted = true;
    else if (c === 125 /* } */) return i + 1;
  }
  throw new ExpositionError(`line ${lineNo}: unterminated label value`);
}

function readSeries(line: string, end: number, lineNo: number): Series {
  const brace = line.indexOf('{');
  const name = brace < 0 || brace > end ? line.slice(0, end) : line.slice(0, brace);
  const labels: Record<string, string> = Object.create(null);
  if (name.length < end) {
    const after = readLabels(line, name.length + 1, labels, lineNo);
    if (after !== end) throw new ExpositionError(`line ${lineNo}: expected , or } after a label`);
  }
  let base = '';
  let suffix = '';
  for (const sfx of SUFFIXES) {
    if (!name.endsWith(sfx)) continue;
    base = name.slice(0, -sfx.length);
    suffix = sfx;
    break;
  }
  return { text: line, name, labels, memo: new SeriesMemo(), base, suffix, sample: null, round: -1 };
}

/** 1: may start a name (letters, _ and :), 2: may only follow (digits). */
const NAME_CHARS = new Uint8Array(128);
for (let c = 0; c < 128; c++) NAME_CHARS[c] = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58 ? 1 : c >= 48 && c <= 57 ? 2 : 0;

function isNameChar(c: number, first: boolean): boolean {
  const k = c < 128 ? NAME_CHARS[c] : 0;
  return k === 1 || (k === 2 && !first);
}

/** Reads `k="v",…}` from i; returns the index after `}`. */
function readLabels(line: string, i: number, labels: Record<string, string>, lineNo: number): number {
  for (;;) {
    while (line.charCodeAt(i) === 32) i++;
    if (line.charCodeAt(i) === 125 /* } */) return i + 1;
    const start = i;
    while (i < line.length && isNameChar(line.charCodeAt(i), i === start)) i++;
    if (i === start) throw new ExpositionError(`line ${lineNo}: expected a label name`);
    const key = line.slice(start, i);
    if (line.charCodeAt(i) !== 61 /* = */ || line.charCodeAt(i + 1) !== 34 /* " */) throw new ExpositionError(`line ${lineNo}: expected ="…" after label ${key}`);
    i += 2;
    let v = '';
    let from = i;
    for (;;) {
      if (i >= line.length) throw new ExpositionError(`line ${lineNo}: unterminated label value`);
      const c = line.charCodeAt(i);
      if (c === 34) break;
      if (c === 92 /* \ */) {
        v += line.slice(from, i);
        const n = line[i + 1];
        v += n === 'n' ? '\n' : n === undefined ? '' : n;
        i += 2;
        from = i;
        continue;
      }
      i++;
    }
    labels[key] = v + line.slice(from, i);
    i++;
    while (line.charCodeAt(i) === 32) i++;
    if (line.charCodeAt(i) === 44 /* , */) i++;
    else if (line.charCodeAt(i) !== 125) throw new ExpositionError(`line ${lineNo}: expected , or } after label ${key}`);
  }
}

/** 10^0 … 10^22: every one exact as a double. */
const POW10: number[] = [1];
for (let k = 1; k <= 22; k++) POW10.push(POW10[k - 1] * 10);

/**
 * text[i, j) as a number when it is a plain decimal of at most 15 significant
 * digits and a power of ten within ±22, else undefined (then parseValue reads
 * it). Then the digits and the power of ten are exact doubles, and one IEEE
 * multiply or divide rounds correctly: exactly what Number() gives
 * (Clinger's fast path), with no string made.
 */
function decimalAt(text: string, i: number, j: number): number | undefined {
  let c = text.charCodeAt(i);
  const neg = c === 45; /* - */
  if (neg || c === 43 /* + */) c = text.charCodeAt(++i);
  let m = 0;
  let sig = 0;
  let digits = 0;
  let e = 0;
  while (c >= 48 && c <= 57) {
    digits++;
    if (m !== 0 || c !== 48) (m = m * 10 + (c - 48)), sig++;
    c = text.charCodeAt(++i);
  }
  if (c === 46 /* . */) {
    c = text.charCodeAt(++i);
    while (c >= 48 && c <= 57) {
      digits++;
      if (m !== 0 || c !== 48) (m = m * 10 + (c - 48)), sig++;
      e--;
      c = text.charCodeAt(++i);
    }
  }
  if (digits === 0 || sig > 15) return undefined;
  if (c === 101 || c === 69 /* e E */) {
    c = text.charCodeAt(++i);
    const eneg = c === 45;
    if (eneg || c === 43) c = text.charCodeAt(++i);
    let x = 0;
    const start = i;
    while (c >= 48 && c <= 57 && i - start < 4) {
      x = x * 10 + (c - 48);
      c = text.charCodeAt(++i);
    }
    if (i === start) return undefined;
    e += eneg ? -x : x;
  }
  if (i !== j || e < -22 || e > 22) return undefined;
  const v = e < 0 ? m / POW10[-e] : m * POW10[e];
  return neg ? -v : v;
}

export function parseValue(s: string): number | null {
  if (s === '') return null;
  if (s === '+Inf' || s === 'Inf' || s === '+inf') return Infinity;
  if (s === '-Inf' || s === '-inf') return -Infinity;
  if (s === 'NaN' || s === 'nan') return NaN;
  // Number() would take "0x1f", "0b1" or "Infinity"; the format has decimal floats only.
  return isDecimal(s) ? Number(s) : null;
}

/** Whether s is a decimal float (`[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?`) without a regex: this runs once per sample. */
function isDecimal(s: string): boolean {
  const n = s.length;
  let i = 0;
  let c = s.charCodeAt(0);
  if (c === 43 || c === 45) c = s.charCodeAt(++i);
  let digits = 0;
  while (c >= 48 && c <= 57) {
    digits++;
    c = s.charCodeAt(++i);
  }
  if (c === 46 /* . */) {
    c = s.charCodeAt(++i);
    while (c >= 48 && c <= 57) {
      digits++;
      c = s.charCodeAt(++i);
    }
  }
  if (digits === 0) return false;
  if (c === 101 || c === 69 /* e E */) {
    c = s.charCodeAt(++i);
    if (c === 43 || c === 45) c = s.charCodeAt(++i);
    const from = i;
    while (c >= 48 && c <= 57) c = s.charCodeAt(++i);
    if (i === from) return false;
  }
  return i === n;
}

function familyOf(series: Series, families: Map<string, Family>): Family {
  const own = families.get(series.name);
  if (own) return own;
  if (series.base) {
    const f = families.get(series.base);
    if (f && f.type !== 'gauge' && f.type !== 'untyped' && f.type !== 'unknown') {
      return f;
    }
  }
  const f: Family = { name: series.name, type: 'untyped', samples: [] };
  families.set(series.name, f);
  return f;
}
