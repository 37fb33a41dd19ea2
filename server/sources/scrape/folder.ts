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

/** `t`: when the producer read the value (ms), if it says; else the fold's time. */
export type Point =
  | { kind: 'gauge'; name: string; labels: Labels; unit: string; v: number }
  | { kind: 'counter'; name: string; labels: Labels; unit: string; v: number; t?: number }
  | { kind: 'delta'; name: string; labels: Labels; unit: string; v: number; span: number }
  | { kind: 'histogram'; name: string; labels: Labels; unit: string; buckets: Bucket[]; count: number; t?: number; delta?: boolean }
  | { kind: 'summary'; name: string; labels: Labels; unit: string; quantiles: { q: number; v: number }[]; count: number; t?: number };

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
  readings: Reading[];
  /** Keeps the state this fold computed; a fold never committed changes nothing (all-or-nothing ingest). */
  commit(): void;
}

export function quantileSuffix(q: number): string {
  return `p${String(Math.round(q * 1000) / 10).replace('.', '_')}`;
}

export function rateUnit(unit: string): string {
  return `${unit}/s`;
}

/** The state of one source's foreign metrics: counters' last values, histograms' snapshots over the window. */
export class Folder {
  private readonly counters = new Map<string, CounterState>();
  private readonly histograms = new Map<string, HistogramState>();
  private lastSweep = 0;

  constructor(private readonly window: number) {}

  get size(): number {
    return this.counters.size + this.histograms.size;
  }

  /** The readings of these points at time t (ms), and the state to keep. */
  fold(points: readonly Point[], t: number): Fold {
    const readings: Reading[] = [];
    const counters = new Map<string, CounterState>();
    const histograms = new Map<string, HistogramState>();
    for (const p of points) {
      switch (p.kind) {
        case 'gauge':
          readings.push({ name: p.name, labels: p.labels, unit: p.unit, v: p.v });
          break;
        case 'delta':
          if (p.span > 0) readings.push({ name: p.name, labels: p.labels, unit: rateUnit(p.unit), v: (p.v * 1000) / p.span });
          break;
        case 'counter':
          this.counter(p.name, p.labels, p.unit, p.v, p.t ?? t, readings, counters);
          break;
        case 'summary':
          for (const { q, v } of p.quantiles) readings.push({ name: `${p.name}.${quantileSuffix(q)}`, labels: p.labels, unit: p.unit, v });
          this.counter(`${p.name}.rate`, p.labels, '', p.count, p.t ?? t, readings, counters);
          break;
        case 'histogram':
          this.histogram(p.delta ? this.accumulate(p, histograms) : p, p.t ?? t, readings, histograms, counters);
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

  private counter(name: string, labels: Labels, unit: string, v: number, t: number, out: Reading[], staged: Map<string, CounterState>): void {
    const key = metricKey(name, labels);
    const last = staged.get(key) ?? this.counters.get(key);
    staged.set(key, { v, t });
    if (!last || t <= last.t) return;
    const increase = v >= last.v ? v - last.v : v;
    out.push({ name, labels, unit: rateUnit(unit), v: (increase * 1000) / (t - last.t) });
  }

  private histogram(p: Extract<Point, { kind: 'histogram' }>, t: number, out: Reading[], staged: Map<string, HistogramState>, counters: Map<string, CounterState>): void {
    this.counter(`${p.name}.rate`, p.labels, '', p.count, t, out, counters);
    const key = metricKey(p.name, p.labels);
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
    for (const q of QUANTILES) {
      const v = histogramQuantile(q, delta);
      if (Number.isFinite(v)) out.push({ name: `${p.name}.${quantileSuffix(q)}`, labels: p.labels, unit: p.unit, v });
    }
  }

  /** A delta histogram (OTLP) added to the cumulative one held, so it takes the same path. */
  private accumulate(p: Extract<Point, { kind: 'histogram' }>, staged: Map<string, HistogramState>): Extract<Point, { kind: 'histogram' }> {
    const held = staged.get(metricKey(p.name, p.labels)) ?? this.histograms.get(metricKey(p.name, p.labels));
    const last = held?.ring[held.ring.length - 1];
    if (!held || !last || !sameBounds(held.les, p.buckets.map((b) => b.le))) return { ...p, delta: false };
    return { ...p, delta: false, count: last.count + p.count, buckets: p.buckets.map((b, i) => ({ le: b.le, count: last.counts[i] + b.count })) };
  }

  /** Forgets series not seen for two windows (a label set that went away). */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.window) return;
    this.lastSweep = now;
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
