import { sameKeys } from '../../shared/series.js';
import { JsonBytes } from './json-bytes.js';
import { tickKeys, tickStats } from './tick-keys.js';
import { type ChannelName, type Stat, type TickEvent, TREND_DIGIT } from '../../shared/schema.js';

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
 * `data:` line stays one line of JSON. Written into `out` (begun here).
 */
export function writeStreamTick(out: JsonBytes, tick: TickEvent, base: StatBase | null, names: KeyJson, placed: PlacedBase = null): JsonBytes {
  out.begin();
  out.ascii(`{"t":${num(tick.t)},"source":`);
  out.string(tick.source);
  out.ascii(',"values":{');
  const keys = tickKeys(tick.values);
  const stats = tickStats(tick.values);
  const texts = names.forKeys(keys);
  for (let i = 0; i < keys.length; i++) {
    if (i) out.byte(COMMA);
    out.bytes(texts[i]);
    writeStat(out, stats[i], placed ? placed[i].stat : base?.(keys[i]), KEYED);
  }
  out.ascii('}}');
  return out;
}

/** writeStreamTick as a string. */
export function streamTickJson(tick: TickEvent, base: StatBase | null, names: KeyJson = new KeyJson(), placed: PlacedBase = null): string {
  return writeStreamTick(new JsonBytes(), tick, base, names, placed).text();
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

/**
 * The same tick as a CompactTick (shared/schema.ts): `values` an array in the
 * order of the tick's keys, which are listed only when they differ from
 * `layout`, the keys of the group's previous tick as every client of the stream
 * holds them (null: unknown, so listed). Keys are what a tick costs most at
 * 1 Hz (about half of its bytes); a source's keys rarely change between ticks.
 */
export function writeCompactTick(out: JsonBytes, tick: TickEvent, base: StatBase | null, layout: readonly string[] | null, placed: PlacedBase = null): JsonBytes {
  const keys = tickKeys(tick.values);
  const stats = tickStats(tick.values);
  out.begin();
  out.ascii(`{"t":${num(tick.t)},"source":`);
  out.string(tick.source);
  if (!sameKeys(layout, keys)) {
    out.ascii(',"keys":[');
    for (let i = 0; i < keys.length; i++) {
      if (i) out.byte(COMMA);
      out.string(keys[i]);
    }
    out.byte(0x5d);
  }
  out.ascii(',"values":[');
  for (let i = 0; i < keys.length; i++) {
    if (i) out.byte(COMMA);
    writeStat(out, stats[i], placed ? placed[i].stat : base?.(keys[i]), COMPACT);
  }
  out.ascii(']}');
  return out;
}

/** writeCompactTick as a string. */
export function compactTickJson(tick: TickEvent, base: StatBase | null, layout: readonly string[] | null, placed: PlacedBase = null): string {
  return writeCompactTick(new JsonBytes(), tick, base, layout, placed).text();
}

const COMMA = 0x2c;

/** Field names of a StatChange, and of a CompactStat (shared/schema.ts). */
interface StatNames {
  min: string;
  max: string;
  avg: string;
  trend: (t: Stat['trend']) => string;
}
const KEYED: StatNames = { min: ',"min":', max: ',"max":', avg: ',"avg":', trend: (t) => `,"trend":"${t}"` };
const COMPACT: StatNames = { min: ',"l":', max: ',"h":', avg: ',"a":', trend: (t) => `,"d":${TREND_DIGIT[t]}` };

function writeStat(out: JsonBytes, s: Stat, prev: Stat | undefined, f: StatNames): void {
  if (!prev) {
    out.ascii(`{"v":${num(s.v)}${f.min}${num(s.min)}${f.max}${num(s.max)}${f.avg}${num(s.avg)},"n":${s.n}${f.trend(s.trend)},"u":`);
    out.string(s.u);
    out.byte(0x7d);
    return;
  }
  const min = !Object.is(s.min, prev.min);
  const max = !Object.is(s.max, prev.max);
  const avg = !Object.is(s.avg, prev.avg);
  const trend = s.trend !== prev.trend;
  const u = s.u !== prev.u;
  if (!(min || max || avg || trend || u)) {
    out.ascii(num(s.v));
    return;
  }
  out.ascii('{"v":');
  out.ascii(num(s.v));
  if (min) {
    out.ascii(f.min);
    out.ascii(num(s.min));
  }
  if (max) {
    out.ascii(f.max);
    out.ascii(num(s.max));
  }
  if (avg) {
    out.ascii(f.avg);
    out.ascii(num(s.avg));
  }
  if (trend) out.ascii(f.trend(s.trend));
  if (u) {
    out.ascii(',"u":');
    out.string(s.u);
  }
  out.byte(0x7d);
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
