import type { Family } from './exposition.js';
import type { Point } from './folder.js';
import { legalLabels, legalName, unitOfName } from './names.js';
import type { Bucket } from './quantile.js';

export interface ExpoPoints {
  points: Point[];
  /** Samples left out: an illegal name, more than MAX_LABELS labels, a histogram without +Inf. */
  dropped: number;
}

const FOLDED = new Set(['counter', 'histogram', 'summary']);

/**
 * The points of a parsed exposition, by family type (see folder.ts for what each
 * becomes). `keep` filters on the family's own name (`vllm:*`). Left out: info
 * and stateset families, gauge histograms, a counter's `_created` (and the
 * `x_created` gauges the 0.0.4 format of prometheus_client writes beside a
 * counter, histogram or summary x), and non-finite values of gauges.
 */
export function expositionPoints(families: readonly Family[], keep: (name: string) => boolean = () => true): ExpoPoints {
  const types = new Map(families.map((f) => [f.name, f.type]));
  const out: ExpoPoints = { points: [], dropped: 0 };
  for (const f of families) {
    if (!keep(f.name)) continue;
    if (f.type === 'counter') counterPoints(f, out);
    else if (f.type === 'histogram') histogramPoints(f, out);
    else if (f.type === 'summary') summaryPoints(f, out);
    else if (f.type === 'gauge' || f.type === 'untyped' || f.type === 'unknown') {
      if (isCreated(f.name, types)) continue;
      gaugePoints(f, out);
    }
  }
  return out;
}

function isCreated(name: string, types: Map<string, string>): boolean {
  if (!name.endsWith('_created')) return false;
  const base = name.slice(0, -8);
  return FOLDED.has(types.get(base) ?? '') || types.get(`${base}_total`) === 'counter';
}

function gaugePoints(f: Family, out: ExpoPoints): void {
  const name = legalName(f.name);
  for (const s of f.samples) {
    const labels = legalLabels(s.labels);
    if (!name || !labels) out.dropped++;
    else if (Number.isFinite(s.value)) out.points.push({ kind: 'gauge', name, labels, unit: unitOfName(f.name), v: s.value });
  }
}

function counterPoints(f: Family, out: ExpoPoints): void {
  const name = legalName(f.name.replace(/_total$/, ''));
  for (const s of f.samples) {
    if (s.suffix !== '' && s.suffix !== '_total') continue;
    const labels = legalLabels(s.labels);
    if (!name || !labels) out.dropped++;
    else if (Number.isFinite(s.value)) out.points.push({ kind: 'counter', name, labels, unit: unitOfName(f.name), v: s.value });
  }
}

/** Samples of one family grouped by their labels less `drop` (le, quantile). */
function groups(f: Family, drop: string): Map<string, { labels: Record<string, string>; samples: Family['samples'] }> {
  const by = new Map<string, { labels: Record<string, string>; samples: Family['samples'] }>();
  for (const s of f.samples) {
    const labels: Record<string, string> = Object.create(null);
    for (const k of Object.keys(s.labels).sort()) if (k !== drop) labels[k] = s.labels[k];
    const key = JSON.stringify(Object.entries(labels));
    let g = by.get(key);
    if (!g) by.set(key, (g = { labels, samples: [] }));
    g.samples.push(s);
  }
  return by;
}

function histogramPoints(f: Family, out: ExpoPoints): void {
  const name = legalName(f.name);
  for (const g of groups(f, 'le').values()) {
    const buckets: Bucket[] = [];
    let count = NaN;
    for (const s of g.samples) {
      if (s.suffix === '_count') count = s.value;
      else if (s.suffix === '_bucket' && s.labels.le !== undefined) buckets.push({ le: leOf(s.labels.le), count: s.value });
    }
    buckets.sort((a, b) => a.le - b.le);
    const labels = legalLabels(g.labels);
    const ok = buckets.length >= 2 && buckets[buckets.length - 1].le === Infinity && buckets.every((b) => !Number.isNaN(b.le));
    if (!name || !labels || !ok) {
      out.dropped++;
      continue;
    }
    if (Number.isNaN(count)) count = buckets[buckets.length - 1].count;
    out.points.push({ kind: 'histogram', name, labels, unit: unitOfName(f.name), buckets, count });
  }
}

function summaryPoints(f: Family, out: ExpoPoints): void {
  const name = legalName(f.name);
  for (const g of groups(f, 'quantile').values()) {
    const labels = legalLabels(g.labels);
    if (!name || !labels) {
      out.dropped++;
      continue;
    }
    const quantiles: { q: number; v: number }[] = [];
    let count = NaN;
    for (const s of g.samples) {
      if (s.suffix === '_count') count = s.value;
      else if (s.suffix === '' && s.labels.quantile !== undefined && Number.isFinite(s.value)) {
        const q = Number(s.labels.quantile);
        if (q >= 0 && q <= 1) quantiles.push({ q, v: s.value });
      }
    }
    if (Number.isNaN(count)) count = 0;
    out.points.push({ kind: 'summary', name, labels, unit: unitOfName(f.name), quantiles, count });
  }
}

function leOf(raw: string): number {
  if (raw === '+Inf' || raw === 'Inf') return Infinity;
  return raw.trim() === '' ? NaN : Number(raw);
}
