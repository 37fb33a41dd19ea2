import { sameKeys } from '../../shared/series.js';
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

/** A tick's `data:` JSON: keyed (every client's default), and compact (`?compact=1`) when the encoder writes one. */
export interface TickData {
  json: string;
  compact?: string;
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
 */
export function streamTickJson(tick: TickEvent, base: StatBase | null, names: KeyJson | null = null, placed: PlacedBase = null): string {
  let out = `{"t":${num(tick.t)},"source":${JSON.stringify(tick.source)},"values":{`;
  const keys = tickKeys(tick.values);
  const stats = tickStats(tick.values);
  const texts = names ? names.forKeys(keys) : null;
  for (let i = 0; i < keys.length; i++) {
    out += `${i ? ',' : ''}${texts ? texts[i] : `${JSON.stringify(keys[i])}:`}${statJson(stats[i], placed ? placed[i].stat : base?.(keys[i]))}`;
  }
  return `${out}}}`;
}

/**
 * Each key's `"key":` as JSON, made once rather than every tick: a source's
 * keys are the same strings tick after tick, and a scrape target's are long
 * (`vllm:…{model_name=…}`); JSON.stringify of each was half of what writing a
 * 1,000-series tick cost. Forgets them all when it holds `max` (keys that
 * change every tick must not grow it).
 */
export class KeyJson {
  private readonly texts = new Map<string, string>();

  constructor(readonly max = 100_000) {}

  /** of(key) for each of `keys`, by place; made once per keys array (a source's ticks share one while its keys stay). */
  forKeys(keys: readonly string[]): readonly string[] {
    let texts = this.byKeys.get(keys);
    if (!texts) this.byKeys.set(keys, (texts = keys.map((k) => this.of(k))));
    return texts;
  }

  private readonly byKeys = new WeakMap<readonly string[], readonly string[]>();

  of(key: string): string {
    let text = this.texts.get(key);
    if (text === undefined) {
      if (this.texts.size >= this.max) this.texts.clear();
      this.texts.set(key, (text = `${JSON.stringify(key)}:`));
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
export function compactTickJson(tick: TickEvent, base: StatBase | null, layout: readonly string[] | null, placed: PlacedBase = null): string {
  const keys = tickKeys(tick.values);
  const stats = tickStats(tick.values);
  let out = `{"t":${num(tick.t)},"source":${JSON.stringify(tick.source)}`;
  if (!sameKeys(layout, keys)) out += `,"keys":${JSON.stringify(keys)}`;
  out += ',"values":[';
  for (let i = 0; i < keys.length; i++) out += `${i ? ',' : ''}${statJson(stats[i], placed ? placed[i].stat : base?.(keys[i]), COMPACT)}`;
  return `${out}]}`;
}

/** Field names of a StatChange, and of a CompactStat (shared/schema.ts). */
interface StatNames {
  min: string;
  max: string;
  avg: string;
  trend: (t: Stat['trend']) => string;
}
const KEYED: StatNames = { min: '"min":', max: '"max":', avg: '"avg":', trend: (t) => `"trend":"${t}"` };
const COMPACT: StatNames = { min: '"l":', max: '"h":', avg: '"a":', trend: (t) => `"d":${TREND_DIGIT[t]}` };

function statJson(s: Stat, prev: Stat | undefined, f: StatNames = KEYED): string {
  if (!prev) return `{"v":${num(s.v)},${f.min}${num(s.min)},${f.max}${num(s.max)},${f.avg}${num(s.avg)},"n":${s.n},${f.trend(s.trend)},"u":${JSON.stringify(s.u)}}`;
  let out = '';
  if (!Object.is(s.min, prev.min)) out += `,${f.min}${num(s.min)}`;
  if (!Object.is(s.max, prev.max)) out += `,${f.max}${num(s.max)}`;
  if (!Object.is(s.avg, prev.avg)) out += `,${f.avg}${num(s.avg)}`;
  if (s.trend !== prev.trend) out += `,${f.trend(s.trend)}`;
  if (s.u !== prev.u) out += `,"u":${JSON.stringify(s.u)}`;
  return out ? `{"v":${num(s.v)}${out}}` : num(s.v);
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
