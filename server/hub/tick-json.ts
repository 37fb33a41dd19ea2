import { sameKeys } from '../../shared/series.js';
import { JsonBytes } from './json-bytes.js';
import { tickKeys, tickStats } from './tick-keys.js';
import { type ChannelName, type Stat, type TickEvent, type Trend, TREND_DIGIT } from '../../shared/schema.js';

/**
 * A series' stat as every client of the stream holds it right now (from its
 * snapshot and the ticks since), or undefined when the stream has not sent it
 * whole: then the next tick carries it whole.
 */
export type StatBase = (key: string) => Stat | undefined;

/**
 * The same stats by place, for a tick whose keys are the very array of the
 * group's last tick (Projection.placedBase): no lookup per series. Null: use
 * the StatBase.
 */
export type PlacedBase = readonly { readonly stat: Stat }[] | null;

/**
 * A tick's `data:` JSON: keyed (every client's default), and compact
 * (`?compact=1`) when the encoder writes one; as text, or as the bytes a
 * JsonBytes holds (framed at once, before the encoder runs again).
 */
export interface TickData {
  json: string | JsonBytes;
  compact?: string | JsonBytes;
}

/** Writes a tick's `data:` JSON; called once per event, in hub order, before any listener sees the event. */
export type TickEncoder = (channel: ChannelName, tick: TickEvent) => TickData;

/** Every stat whole, keyed: what a hub writes without an encoder. */
export const wholeTick: TickEncoder = (_channel, tick) => ({ json: JSON.stringify(tick) });

/**
 * A tick as the stream sends it (a StreamTick in shared/schema.ts): each stat
 * whole when `base` has none for its series, else `v` and the fields that differ
 * from the base, `n` never; a stat whose only change is `v` is a bare number.
 * Numbers take their shortest exact JSON form (`1.529e9` rather than
 * `1529000000`), so nothing is rounded here. Keys and the source go through
 * JSON.stringify like any string: whatever a source names a series, the
 * `data:` line stays one line of JSON.
 *
 * The same tick as a CompactTick (shared/schema.ts): `values` an array in the
 * order of the tick's keys, which are listed only when they differ from
 * `layout`, the keys of the group's previous tick as every client of the stream
 * holds them (null: unknown, so listed). Keys are what a tick costs most at
 * 1 Hz (about half of its bytes); a source's keys rarely change between ticks.
 *
 * Either or both are written (each into its JsonBytes, begun here) in one pass,
 * each number's text made once for both: it is what writing a tick costs most.
 */
export function writeTicks(keyed: JsonBytes | null, compact: JsonBytes | null, tick: TickEvent, base: StatBase | null, names: KeyJson, layout: readonly string[] | null, placed: PlacedBase = null): void {
  const keys = tickKeys(tick.values);
  const stats = tickStats(tick.values);
  const head = `{"t":${num(tick.t)},"source":`;
  if (keyed) {
    keyed.begin().ascii(head);
    keyed.string(tick.source);
    keyed.ascii(',"values":{');
  }
  if (compact) {
    compact.begin().ascii(head);
    compact.string(tick.source);
    if (!sameKeys(layout, keys)) writeKeys(compact, keys);
    compact.ascii(',"values":[');
  }
  const texts = keyed ? names.forKeys(keys) : null;
  for (let i = 0; i < keys.length; i++) {
    if (i) {
      keyed?.byte(COMMA);
      compact?.byte(COMMA);
    }
    if (texts) keyed!.bytes(texts[i]);
    writeStat(keyed, compact, stats[i], placed ? placed[i].stat : base?.(keys[i]));
  }
  keyed?.ascii('}}');
  compact?.ascii(']}');
}

/** The keyed tick alone, as a string. */
export function streamTickJson(tick: TickEvent, base: StatBase | null, names: KeyJson = new KeyJson(), placed: PlacedBase = null): string {
  const out = new JsonBytes();
  writeTicks(out, null, tick, base, names, null, placed);
  return out.text();
}

/** The compact tick alone, as a string. */
export function compactTickJson(tick: TickEvent, base: StatBase | null, layout: readonly string[] | null, placed: PlacedBase = null): string {
  const out = new JsonBytes();
  writeTicks(null, out, tick, base, new KeyJson(), layout, placed);
  return out.text();
}

/**
 * Each key's `"key":` as JSON in UTF-8, made once rather than every tick: a
 * source's keys are the same strings tick after tick, and a scrape target's are
 * long (`vllm:…{model_name=…}`); JSON.stringify of each was half of what
 * writing a 1,000-series tick cost. Forgets them all when it holds `max` (keys
 * that change every tick must not grow it).
 */
export class KeyJson {
  private readonly texts = new Map<string, Buffer>();
  private readonly byKeys = new WeakMap<readonly string[], readonly Buffer[]>();

  constructor(readonly max = 100_000) {}

  /** of(key) for each of `keys`, by place; made once per keys array (a source's ticks share one while its keys stay). */
  forKeys(keys: readonly string[]): readonly Buffer[] {
    let texts = this.byKeys.get(keys);
    if (!texts) this.byKeys.set(keys, (texts = keys.map((k) => this.of(k))));
    return texts;
  }

  of(key: string): Buffer {
    let text = this.texts.get(key);
    if (text === undefined) {
      if (this.texts.size >= this.max) this.texts.clear();
      this.texts.set(key, (text = Buffer.from(`${JSON.stringify(key)}:`)));
    }
    return text;
  }
}

function writeKeys(out: JsonBytes, keys: readonly string[]): void {
  out.ascii(',"keys":[');
  for (let i = 0; i < keys.length; i++) {
    if (i) out.byte(COMMA);
    out.string(keys[i]);
  }
  out.byte(0x5d);
}

const COMMA = 0x2c;
const CLOSE = 0x7d;

/** Field names of a StatChange (k), and of a CompactStat (c) (shared/schema.ts). */
const K = { v: '{"v":', min: ',"min":', max: ',"max":', avg: ',"avg":', trend: (t: Trend) => `,"trend":"${t}"` };
const C = { v: '{"v":', min: ',"l":', max: ',"h":', avg: ',"a":', trend: (t: Trend) => `,"d":${TREND_DIGIT[t]}` };

/** The same names as bytes, made once (each changed stat writes two or three of them). */
const bytesOf = (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0));
const TRENDS = Object.keys(TREND_DIGIT) as Trend[];
const names = (f: typeof K) => ({
  v: bytesOf(f.v),
  min: bytesOf(f.min),
  max: bytesOf(f.max),
  avg: bytesOf(f.avg),
  trend: Object.fromEntries(TRENDS.map((t) => [t, bytesOf(f.trend(t))])) as Record<Trend, Uint8Array>,
});
const KB = names(K);
const CB = names(C);

/** A stat into the keyed tick (k), the compact one (c), or both, each number's text made once. */
function writeStat(k: JsonBytes | null, c: JsonBytes | null, s: Stat, prev: Stat | undefined): void {
  if (!prev) {
    const rest = [num(s.min), num(s.max), num(s.avg)];
    const v = num(s.v);
    if (k) writeWhole(k, K, v, rest, s);
    if (c) writeWhole(c, C, v, rest, s);
    return;
  }
  const min = !Object.is(s.min, prev.min);
  const max = !Object.is(s.max, prev.max);
  const avg = !Object.is(s.avg, prev.avg);
  const trend = s.trend !== prev.trend;
  const u = s.u !== prev.u;
  if (!(min || max || avg || trend || u)) {
    number(k, c, s.v);
    return;
  }
  field(k, c, KB.v, CB.v, s.v);
  if (min) field(k, c, KB.min, CB.min, s.min);
  if (max) field(k, c, KB.max, CB.max, s.max);
  if (avg) field(k, c, KB.avg, CB.avg, s.avg);
  if (trend) {
    k?.raw(KB.trend[s.trend]);
    c?.raw(CB.trend[s.trend]);
  }
  if (k) closeStat(k, u, s);
  if (c) closeStat(c, u, s);
}

/** A changed stat's unit, when it changed, and its end. */
function closeStat(out: JsonBytes, u: boolean, s: Stat): void {
  if (u) {
    out.ascii(',"u":');
    out.string(s.u);
  }
  out.byte(CLOSE);
}

/** A field's name (each form's) and its number. */
function field(k: JsonBytes | null, c: JsonBytes | null, kName: Uint8Array, cName: Uint8Array, x: number): void {
  k?.raw(kName);
  c?.raw(cName);
  number(k, c, x);
}

/** A number into either or both forms: written once, and copied into the compact one. */
function number(k: JsonBytes | null, c: JsonBytes | null, x: number): void {
  if (!k) return c!.number(x, num);
  const from = k.length;
  k.number(x, num);
  c?.copyFrom(k, from);
}

/** A stat whole (its series' first tick on the stream): every field, `n` and the unit too. */
function writeWhole(out: JsonBytes, f: typeof K, v: string, [min, max, avg]: string[], s: Stat): void {
  out.ascii(`${f.v}${v}${f.min}${min}${f.max}${max}${f.avg}${avg},"n":${s.n}${f.trend(s.trend)},"u":`);
  out.string(s.u);
  out.byte(CLOSE);
}

/** The shortest JSON text that parses back to exactly `x` (null for what JSON cannot carry, as JSON.stringify). */
export function num(x: number): string {
  if (!Number.isFinite(x)) return 'null';
  const plain = String(x);
  const n = plain.length;
  if (n < 6) return plain;
  // The exponent form can only be shorter with 00 at the end (1529000000), 0.00 at the start (|x| < 0.01: 0.000125) or e+ (|x| >= 1e21).
  const a = x < 0 ? -x : x;
  if (!(a < 0.01 || a >= 1e21 || (plain.charCodeAt(n - 1) === 48 && plain.charCodeAt(n - 2) === 48))) return plain;
  const exp = x.toExponential().replace('e+', 'e');
  return exp.length < plain.length ? exp : plain;
}
