import { metricKey, type Labels } from '../../../shared/series.js';
import type { Reading } from '../sampler.js';
import { evenOut, quantileOfCounts, type Bucket } from './quantile.js';
import { ReusedList } from './reused-list.js';

/*
 * Other programs' metrics as Vigil readings, with the state that takes:
 * - a gauge is read as it is;
 * - a counter (cumulative) becomes a rate per second between two readings; a
 *   value below the last one is a reset (the process restarted), counted from 0
 *   as Prometheus's rate() does; the first reading only primes it;
 * - a delta (OTLP delta sum) is its increase over its own span, per second;
 * - a histogram becomes `.p50`, `.p95`, `.p99` over the window (the increase of
 *   every bucket between the oldest snapshot inside the window and now, then
 *   histogramQuantile, as `histogram_quantile(q, rate(x_bucket[window]))`) and
 *   `.rate`, observations per second since the last reading; a bucket or count
 *   that falls is a reset and starts the window over;
 * - a summary's quantiles are taken as given (`.p50` for quantile 0.5,
 *   `.p99_9` for 0.999) and its count becomes `.rate`.
 */

interface Base {
  name: string;
  labels: Labels;
  /** metricKey(name, labels), when the producer of the point has it already (a cache). */
  key?: string;
  unit: string;
}

/** `t`: when the producer read the value (ms), if it says; else the fold's time. */
export type Point =
  | (Base & { kind: 'gauge'; v: number })
  | (Base & { kind: 'counter'; v: number; t?: number })
  | (Base & { kind: 'delta'; v: number; span: number })
  | (Base & { kind: 'histogram'; buckets: Bucket[]; count: number; t?: number; delta?: boolean })
  | (Base & { kind: 'summary'; quantiles: { q: number; v: number }[]; count: number; t?: number });

/** A reading with its metric key. */
export interface KeyedReading extends Reading {
  key: string;
}

export const QUANTILES = [0.5, 0.95, 0.99] as const;

/**
 * A counter's last value and time as committed, and the value a fold staged
 * (kept by its commit). A class, so its number fields are doubles updated in
 * place (see StatCell: as an object literal starting with `v` they were tagged,
 * a new heap number on every store).
 */
class CounterState {
  v = NaN;
  t = NaN;
  /** The fold that staged sv and st (a fold never committed leaves them, and no later fold has its number). */
  fold = 0;

  constructor(
    public sv: number,
    public st: number,
  ) {}
}

/** What one fold staged of the counters: the states it wrote, and the counters new to it. */
interface CounterStage {
  id: number;
  touched: CounterState[];
  fresh: Map<string, CounterState> | null;
}

interface Snapshot {
  t: number;
  count: number;
  counts: number[];
}

/**
 * A histogram's bounds and its snapshots inside the window: `ring[start, end)`,
 * oldest first. A state folded from this one appends to the same array when
 * nothing was appended past `end` since (else it copies), so a round costs no
 * copy of the window; the state held keeps its own `end`, so a fold never
 * committed leaves it as it was.
 */
interface HistogramState {
  les: number[];
  ring: Snapshot[];
  start: number;
  end: number;
}

export interface Fold {
  /** Read them before the Folder's next fold, which reuses the array. */
  readings: KeyedReading[];
  /** Keeps the state this fold computed; a fold never committed changes nothing (all-or-nothing ingest). */
  commit(): void;
}

export function quantileSuffix(q: number): string {
  let s = SUFFIXES.get(q);
  if (s === undefined) {
    s = `p${String(Math.round(q * 1000) / 10).replace('.', '_')}`;
    // A summary's quantiles are a few fixed numbers; one sending ever new ones must not grow this.
    if (SUFFIXES.size < 64) SUFFIXES.set(q, s);
  }
  return s;
}

const SUFFIXES = new Map<number, string>();

const QUANTILE_SUFFIXES = QUANTILES.map(quantileSuffix);

export function rateUnit(unit: string): string {
  // Most counters have no unit: no new string for each of them every round.
  return unit === '' ? '/s' : `${unit}/s`;
}

/** The key of `name.suffix` with the labels of `key` (the key of `name`). */
function sub(key: string, name: string, suffix: string): string {
  return `${name}.${suffix}${key.slice(name.length)}`;
}

/** The key and name of `name.suffix` (see sub). */
type Derived = [key: string, name: string];

/**
 * A point's own time, or the fold's when it has none or is ahead of it: a
 * clock from the future counts as now (as ingest's `t` does), so one point
 * stamped weeks ahead neither turns a rate into a crawl over a span that never
 * was, nor makes every honest point after it look late until that day comes.
 */
function stamp(p: { t?: number }, now: number): number {
  return p.t === undefined || p.t > now ? now : p.t;
}

/** The state of one source's foreign metrics: counters' last values, histograms' snapshots over the window. */
export class Folder {
  private readonly counters = new Map<string, CounterState>();
  private readonly histograms = new Map<string, HistogramState>();
  /**
   * Keys and names of the series a histogram or summary adds (`x.rate`, `x.p95`),
   * by the key of `x` and the suffix: made once rather than every round, so
   * the windows find them by a string already hashed. Cleared by the sweep.
   */
  private readonly derived = new Map<string, Map<string, Derived>>();
  private lastSweep = 0;
  /** Folds so far (each one's CounterStage id). */
  private folds = 0;
  /** A fold's readings, in an array kept from fold to fold (read before the next fold). */
  private readonly readings = new ReusedList<KeyedReading>();
  /** Scratch for a histogram's bucket increases. */
  private delta = new Float64Array(16);

  constructor(private readonly window: number) {}

  get size(): number {
    return this.counters.size + this.histograms.size;
  }

  /** The readings of these points at time t (ms), and the state to keep. */
  fold(points: readonly Point[], t: number): Fold {
    const readings = this.readings.begin();
    const counters: CounterStage = { id: ++this.folds, touched: [], fresh: null };
    const histograms = new Map<string, HistogramState>();
    for (const p of points) {
      const key = p.key ?? metricKey(p.name, p.labels);
      switch (p.kind) {
        case 'gauge':
          readings.add({ key, name: p.name, labels: p.labels, unit: p.unit, v: p.v });
          break;
        case 'delta':
          if (p.span > 0) readings.add({ key, name: p.name, labels: p.labels, unit: rateUnit(p.unit), v: (p.v * 1000) / p.span });
          break;
        case 'counter':
          this.counter(key, p.name, p.labels, p.unit, p.v, stamp(p, t), readings, counters);
          break;
        case 'summary':
          for (const { q, v } of p.quantiles) {
            const [k, name] = this.sub(key, p.name, quantileSuffix(q));
            readings.add({ key: k, name, labels: p.labels, unit: p.unit, v });
          }
          const [k, name] = this.sub(key, p.name, 'rate');
          this.counter(k, name, p.labels, '', p.count, stamp(p, t), readings, counters);
          break;
        case 'histogram':
          this.histogram(key, p.delta ? this.accumulate(key, p, histograms) : p, stamp(p, t), readings, histograms, counters);
          break;
      }
    }
    return {
      readings: readings.end(),
      commit: () => {
        for (const s of counters.touched) (s.v = s.sv), (s.t = s.st);
        if (counters.fresh) for (const [k, s] of counters.fresh) this.counters.set(k, s);
        for (const [k, s] of histograms) this.histograms.set(k, s);
        this.sweep(t);
      },
    };
  }

  private counter(key: string, name: string, labels: Labels, unit: string, v: number, t: number, out: ReusedList<KeyedReading>, stage: CounterStage): void {
    // The value this fold staged for the key if any, else the one committed: one lookup, no state object made.
    let s = this.counters.get(key) ?? stage.fresh?.get(key);
    let last: { v: number; t: number } | null = null;
    if (!s) {
      s = new CounterState(v, t);
      (stage.fresh ??= new Map()).set(key, s);
    } else last = s.fold === stage.id ? { v: s.sv, t: s.st } : s;
    if (s.fold !== stage.id) {
      s.fold = stage.id;
      stage.touched.push(s);
    }
    s.sv = v;
    s.st = t;
    if (!last || t <= last.t) return;
    const increase = v >= last.v ? v - last.v : v;
    out.add({ key, name, labels, unit: rateUnit(unit), v: (increase * 1000) / (t - last.t) });
  }

  private histogram(key: string, p: Extract<Point, { kind: 'histogram' }>, t: number, out: ReusedList<KeyedReading>, staged: Map<string, HistogramState>, counters: CounterStage): void {
    const [rateKey, rateName] = this.sub(key, p.name, 'rate');
    this.counter(rateKey, rateName, p.labels, '', p.count, t, out, counters);
    const n = p.buckets.length;
    const counts = new Array<number>(n);
    for (let i = 0; i < n; i++) counts[i] = p.buckets[i].count;
    const snap: Snapshot = { t, count: p.count, counts };
    const prev = staged.get(key) ?? this.histograms.get(key);
    const state = !prev || !boundsOf(prev.les, p.buckets) || isReset(prev.ring[prev.end - 1], snap) ? { les: p.buckets.map((b) => b.le), ring: [snap], start: 0, end: 1 } : this.slide(prev, snap, t);
    staged.set(key, state);
    if (state.end - state.start < 2) return;
    // The increase of every bucket since the oldest snapshot inside the window, evened out once for the three quantiles.
    const base = state.ring[state.start].counts;
    if (this.delta.length < n) this.delta = new Float64Array(n);
    const delta = this.delta;
    for (let i = 0; i < n; i++) delta[i] = counts[i] - base[i];
    evenOut(delta, n);
    for (let i = 0; i < QUANTILES.length; i++) {
      const v = quantileOfCounts(QUANTILES[i], state.les, delta);
      if (!Number.isFinite(v)) continue;
      const [k, name] = this.sub(key, p.name, QUANTILE_SUFFIXES[i]);
      out.add({ key: k, name, labels: p.labels, unit: p.unit, v });
    }
  }

  /** `prev` less the snapshots older than the window, with `snap` appended (see HistogramState). */
  private slide(prev: HistogramState, snap: Snapshot, t: number): HistogramState {
    const cut = t - this.window;
    let from = prev.start;
    while (from < prev.end && prev.ring[from].t < cut) from++;
    let ring = prev.ring;
    let start = from;
    // Appended past end by a fold never committed: copy. Mostly left behind: copy the live part, so the array stays bounded.
    if (ring.length !== prev.end || (from > 64 && from * 2 > prev.end)) {
      ring = ring.slice(from, prev.end);
      start = 0;
    }
    ring.push(snap);
    return { les: prev.les, ring, start, end: ring.length };
  }

  private sub(key: string, name: string, suffix: string): Derived {
    let bySuffix = this.derived.get(key);
    if (!bySuffix) this.derived.set(key, (bySuffix = new Map()));
    let d = bySuffix.get(suffix);
    if (!d) bySuffix.set(suffix, (d = [sub(key, name, suffix), `${name}.${suffix}`]));
    return d;
  }

  /** A delta histogram (OTLP) added to the cumulative one held, so it takes the same path. */
  private accumulate(key: string, p: Extract<Point, { kind: 'histogram' }>, staged: Map<string, HistogramState>): Extract<Point, { kind: 'histogram' }> {
    const held = staged.get(key) ?? this.histograms.get(key);
    const last = held?.ring[held.end - 1];
    if (!held || !last || !sameBounds(held.les, p.buckets.map((b) => b.le))) return { ...p, delta: false };
    return { ...p, delta: false, count: last.count + p.count, buckets: p.buckets.map((b, i) => ({ le: b.le, count: last.counts[i] + b.count })) };
  }

  /** Forgets series not seen for two windows (a label set that went away). */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.window) return;
    this.lastSweep = now;
    this.derived.clear();
    const old = now - 2 * this.window;
    for (const [k, s] of this.counters) if (s.t < old) this.counters.delete(k);
    for (const [k, s] of this.histograms) if (s.ring[s.end - 1].t < old) this.histograms.delete(k);
  }
}

function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Whether the bounds `les` are those of `buckets`. */
function boundsOf(les: readonly number[], buckets: readonly Bucket[]): boolean {
  if (les.length !== buckets.length) return false;
  for (let i = 0; i < les.length; i++) if (les[i] !== buckets[i].le) return false;
  return true;
}

function isReset(last: Snapshot | undefined, now: Snapshot): boolean {
  if (!last) return true;
  if (now.count < last.count) return true;
  for (let i = 0; i < now.counts.length; i++) if (now.counts[i] < last.counts[i]) return true;
  return false;
}
