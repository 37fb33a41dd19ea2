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

/** Free for the stages after parsing to fill; lives as long as the series stays in the cache. */
export type SeriesMemo = Record<string, unknown>;

/**
 * The series of earlier scrapes of one target by their text (`name{labels}`): a
 * line whose series was seen is not parsed again beyond its value. Cleared when
 * it grows past `max` (a target whose label values never repeat).
 */
export class SeriesCache {
  readonly map = new Map<string, { name: string; labels: Record<string, string>; memo: SeriesMemo }>();
  constructor(readonly max = 50_000) {}
}

export interface Family {
  name: string;
  type: FamilyType;
  samples: ExpoSample[];
}

export class ExpositionError extends Error {}

const SUFFIXES = ['_total', '_created', '_bucket', '_count', '_sum', '_gcount', '_gsum', '_info'];
const TYPES = new Set<string>(['counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'untyped', 'info', 'stateset', 'unknown']);
const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Every family of an exposition, in order of first appearance. */
export function parseExposition(text: string, cache: SeriesCache = new SeriesCache(0)): Family[] {
  const families = new Map<string, Family>();
  if (cache.map.size > cache.max) cache.map.clear();
  let lineNo = 0;
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    let line = text.slice(pos, end);
    pos = end + 1;
    lineNo++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '' || /^\s*$/.test(line)) continue;
    if (line.charCodeAt(0) === 35 /* # */) {
      if (line === '# EOF') break;
      if (line.startsWith('# TYPE ')) typeLine(line, families, lineNo);
      continue;
    }
    sampleLine(line, families, lineNo, cache);
  }
  return [...families.values()];
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
  if (!NAME_START.test(s[0] ?? '')) return false;
  for (let i = 1; i < s.length; i++) if (!NAME_CHAR.test(s[i])) return false;
  return true;
}

function sampleLine(line: string, families: Map<string, Family>, lineNo: number, cache: SeriesCache): void {
  const end = seriesEnd(line, lineNo);
  const text = line.slice(0, end);
  let series = cache.map.get(text);
  if (!series) {
    series = readSeries(line, end, lineNo);
    if (cache.max > 0) cache.map.set(text, series);
  }
  let i = end;
  if (line.charCodeAt(i) !== 32 && line.charCodeAt(i) !== 9) throw new ExpositionError(`line ${lineNo}: expected a space before the value`);
  while (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9) i++;
  let j = i;
  while (j < line.length && line.charCodeAt(j) !== 32 && line.charCodeAt(j) !== 9) j++;
  const value = parseValue(line.slice(i, j));
  if (value === null) throw new ExpositionError(`line ${lineNo}: value ${JSON.stringify(line.slice(i, j).slice(0, 40))} is not a number`);
  // What follows (a timestamp, an exemplar) does not change the value: Vigil stamps samples itself.
  const { family, suffix } = familyOf(series.name, families);
  family.samples.push({ suffix, labels: series.labels, value, memo: series.memo });
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

function readSeries(line: string, end: number, lineNo: number): { name: string; labels: Record<string, string>; memo: SeriesMemo } {
  const brace = line.indexOf('{');
  const name = brace < 0 || brace > end ? line.slice(0, end) : line.slice(0, brace);
  const labels: Record<string, string> = Object.create(null);
  if (name.length < end) {
    const after = readLabels(line, name.length + 1, labels, lineNo);
    if (after !== end) throw new ExpositionError(`line ${lineNo}: expected , or } after a label`);
  }
  return { name, labels, memo: Object.create(null) };
}

function isNameChar(c: number, first: boolean): boolean {
  const letter = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
  return letter || (!first && c >= 48 && c <= 57);
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

function parseValue(s: string): number | null {
  if (s === '') return null;
  if (s === '+Inf' || s === 'Inf' || s === '+inf') return Infinity;
  if (s === '-Inf' || s === '-inf') return -Infinity;
  if (s === 'NaN' || s === 'nan') return NaN;
  // Number() would take "0x1f", "0b1" or "Infinity"; the format has decimal floats only.
  if (!FLOAT.test(s)) return null;
  return Number(s);
}

function familyOf(name: string, families: Map<string, Family>): { family: Family; suffix: string } {
  const own = families.get(name);
  if (own) return { family: own, suffix: '' };
  for (const s of SUFFIXES) {
    if (!name.endsWith(s)) continue;
    const f = families.get(name.slice(0, -s.length));
    if (f && f.type !== 'gauge' && f.type !== 'untyped' && f.type !== 'unknown') return { family: f, suffix: s };
  }
  const f: Family = { name, type: 'untyped', samples: [] };
  families.set(name, f);
  return { family: f, suffix: '' };
}
