import { metricKey, type Labels } from '../../../shared/series.js';
import type { Reading } from '../sampler.js';
import { histogramQuantile, type Bucket } from './quantile.js';

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

interface CounterState {
  v: number;
  t: number;
}

interface Snapshot {
  t: number;
  count: number;
  counts: number[];
}

interface HistogramState {
  les: number[];
  ring: Snapshot[];
}

export interface Fold {
  readings: KeyedReading[];
  /** Keeps the state this fold computed; a fold never committed changes nothing (all-or-nothing ingest). */
  commit(): void;
}

export function quantileSuffix(q: number): string {
  return `p${String(Math.round(q * 1000) / 10).replace('.', '_')}`;
}

const QUANTILE_SUFFIXES = QUANTILES.map(quantileSuffix);

export function rateUnit(unit: string): string {
  return `${unit}/s`;
}

/** The key of `name.suffix` with the labels of `key` (the key of `name`). */
function sub(key: string, name: string, suffix: string): string {
  return `${name}.${suffix}${key.slice(name.length)}`;
}

/** The key and name of `name.suffix` (see sub). */
type Derived = [key: string, name: string];

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

  constructor(private readonly window: number) {}

  get size(): number {
    return this.counters.size + this.histograms.size;
  }

  /** The readings of these points at time t (ms), and the state to keep. */
  fold(points: readonly Point[], t: number): Fold {
    const readings: KeyedReading[] = [];
    const counters = new Map<string, CounterState>();
    const histograms = new Map<string, HistogramState>();
    for (const p of points) {
      const key = p.key ?? metricKey(p.name, p.labels);
      switch (p.kind) {
        case 'gauge':
          readings.push({ key, name: p.name, labels: p.labels, unit: p.unit, v: p.v });
          break;
        case 'delta':
          if (p.span > 0) readings.push({ key, name: p.name, labels: p.labels, unit: rateUnit(p.unit), v: (p.v * 1000) / p.span });
          break;
        case 'counter':
          this.counter(key, p.name, p.labels, p.unit, p.v, p.t ?? t, readings, counters);
          break;
        case 'summary':
          for (const { q, v } of p.quantiles) {
            const [k, name] = this.sub(key, p.name, quantileSuffix(q));
            readings.push({ key: k, name, labels: p.labels, unit: p.unit, v });
          }
          const [k, name] = this.sub(key, p.name, 'rate');
          this.counter(k, name, p.labels, '', p.count, p.t ?? t, readings, counters);
          break;
        case 'histogram':
          this.histogram(key, p.delta ? this.accumulate(key, p, histograms) : p, p.t ?? t, readings, histograms, counters);
          break;
      }
    }
    return {
      readings,
      commit: () => {
        for (const [k, s] of counters) this.counters.set(k, s);
        for (const [k, s] of histograms) this.histograms.set(k, s);
        this.sweep(t);
      },
    };
  }

  private counter(key: string, name: string, labels: Labels, unit: string, v: number, t: number, out: KeyedReading[], staged: Map<string, CounterState>): void {
    const last = staged.get(key) ?? this.counters.get(key);
    staged.set(key, { v, t });
    if (!last || t <= last.t) return;
    const increase = v >= last.v ? v - last.v : v;
    out.push({ key, name, labels, unit: rateUnit(unit), v: (increase * 1000) / (t - last.t) });
  }

  private histogram(key: string, p: Extract<Point, { kind: 'histogram' }>, t: number, out: KeyedReading[], staged: Map<string, HistogramState>, counters: Map<string, CounterState>): void {
    const [rateKey, rateName] = this.sub(key, p.name, 'rate');
    this.counter(rateKey, rateName, p.labels, '', p.count, t, out, counters);
    const les = p.buckets.map((b) => b.le);
    const prev = staged.get(key) ?? this.histograms.get(key);
    const snap: Snapshot = { t, count: p.count, counts: p.buckets.map((b) => b.count) };
    let ring: Snapshot[];
    if (!prev || !sameBounds(prev.les, les) || isReset(prev.ring[prev.ring.length - 1], snap)) ring = [snap];
    else {
      // A copy, so an uncommitted fold leaves the held ring as it was.
      const from = prev.ring.findIndex((s) => s.t >= t - this.window);
      ring = (from < 0 ? [] : prev.ring.slice(from)).concat(snap);
    }
    staged.set(key, { les, ring });
    if (ring.length < 2) return;
    const base = ring[0];
    const delta: Bucket[] = les.map((le, i) => ({ le, count: snap.counts[i] - base.counts[i] }));
    for (let i = 0; i < QUANTILES.length; i++) {
      const v = histogramQuantile(QUANTILES[i], delta);
      if (!Number.isFinite(v)) continue;
      const [k, name] = this.sub(key, p.name, QUANTILE_SUFFIXES[i]);
      out.push({ key: k, name, labels: p.labels, unit: p.unit, v });
    }
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
    const last = held?.ring[held.ring.length - 1];
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
    for (const [k, s] of this.histograms) if (s.ring[s.ring.length - 1].t < old) this.histograms.delete(k);
  }
}

function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function isReset(last: Snapshot | undefined, now: Snapshot): boolean {
  if (!last) return true;
  if (now.count < last.count) return true;
  return now.counts.some((c, i) => c < last.counts[i]);
}
