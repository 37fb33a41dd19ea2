import { metricKey, type Labels } from '../../../shared/series.js';
import type { ExpoSample, Family, SeriesMemo } from './exposition.js';
import type { Point } from './folder.js';
import { legalLabels, legalName, unitOfName } from './names.js';
import type { Bucket } from './quantile.js';
import { ReusedList } from './reused-list.js';

export interface ExpoPoints {
  points: Point[];
  /** Samples left out: an illegal name, more than MAX_LABELS labels, a histogram without +Inf. */
  dropped: number;
}

const FOLDED = new Set(['counter', 'histogram', 'summary']);

type Histogram = Extract<Point, { kind: 'histogram' }>;
type Summary = Extract<Point, { kind: 'summary' }>;

const SCALAR = 0;
const HISTOGRAM = 1;
const SUMMARY = 2;

/**
 * One step of a points plan: one point of the page and the samples it is made
 * of (a gauge's or counter's own; a histogram's buckets in bound order; a
 * summary's quantiles), one class so that replaying reads one shape.
 */
class Op {
  constructor(
    readonly kind: typeof SCALAR | typeof HISTOGRAM | typeof SUMMARY,
    readonly point: Point,
    readonly samples: readonly ExpoSample[],
    readonly count: ExpoSample | null,
    /** A summary's quantile objects, one per sample. */
    readonly slots: readonly { q: number; v: number }[],
  ) {}
}

/**
 * What expositionPoints made of a page's families, step by step: while a page
 * plan (page-plan.ts) hands back the same families array (the page's layout
 * held, only its values moved), the steps are replayed on the new values:
 * which points there are, their names, labels and keys, a histogram's bucket
 * order and a summary's quantiles depend on the layout alone; what depends on
 * the values (a non-finite gauge or counter or quantile left out, a missing
 * count) is decided again each round, as the full reading decides it.
 * Histogram and summary points are reused from round to round: read them
 * within the round (Folder.fold copies what it keeps).
 */
export class PointsPlan {
  families: readonly Family[] | null = null;
  keep: ((name: string) => boolean) | null = null;
  ops: Op[] = [];
  dropped = 0;
  /** What a replay fills (read before the next replay: the target folds them at once). */
  readonly points = new ReusedList<Point>();
}

const KEEP_ALL = () => true;

/**
 * The points of a parsed exposition, by family type (see folder.ts for what each
 * becomes). `keep` filters on the family's own name (`vllm:*`). Left out: info
 * and stateset families, gauge histograms, a counter's `_created` (and the
 * `x_created` gauges the 0.0.4 format of prometheus_client writes beside a
 * counter, histogram or summary x), and non-finite values of gauges. With a
 * plan, the same families array as last time replays it (PointsPlan).
 */
export function expositionPoints(families: readonly Family[], keep: (name: string) => boolean = KEEP_ALL, names: NameMemo = new Map(), plan?: PointsPlan): ExpoPoints {
  if (plan && plan.families === families && plan.keep === keep) return replay(plan);
  const types = new Map(families.map((f) => [f.name, f.type]));
  const out: ExpoPoints = { points: [], dropped: 0 };
  const ops: Op[] | null = plan ? [] : null;
  if (names.size > 10_000) names.clear();
  for (const f of families) {
    if (!keep(f.name)) continue;
    if (f.type === 'counter') counterPoints(f, naming(f.name, true, names), out, ops);
    else if (f.type === 'histogram') histogramPoints(f, naming(f.name, false, names), out, ops);
    else if (f.type === 'summary') summaryPoints(f, naming(f.name, false, names), out, ops);
    else if (f.type === 'gauge' || f.type === 'untyped' || f.type === 'unknown') {
      if (isCreated(f.name, types)) continue;
      gaugePoints(f, naming(f.name, false, names), out, ops);
    }
  }
  if (plan) {
    plan.families = families;
    plan.keep = keep;
    plan.ops = ops!;
    plan.dropped = out.dropped;
  }
  return out;
}

/** The points of the plan's families with their samples' values now, as the full reading would give them. */
function replay(plan: PointsPlan): ExpoPoints {
  const points = plan.points.begin();
  const ops = plan.ops;
  for (let k = 0; k < ops.length; k++) {
    const op = ops[k];
    if (op.kind === SCALAR) {
      const v = op.samples[0].value;
      if (!Number.isFinite(v)) continue;
      (op.point as Scalar).v = v;
      points.add(op.point);
    } else if (op.kind === HISTOGRAM) {
      const p = op.point as Histogram;
      for (let i = 0; i < op.samples.length; i++) p.buckets[i].count = op.samples[i].value;
      const count = op.count ? op.count.value : NaN;
      p.count = Number.isNaN(count) ? p.buckets[p.buckets.length - 1].count : count;
      points.add(p);
    } else {
      const p = op.point as Summary;
      p.quantiles.length = 0;
      for (let i = 0; i < op.samples.length; i++) {
        const v = op.samples[i].value;
        if (!Number.isFinite(v)) continue;
        op.slots[i].v = v;
        p.quantiles.push(op.slots[i]);
      }
      const count = op.count ? op.count.value : NaN;
      p.count = Number.isNaN(count) ? 0 : count;
      points.add(p);
    }
  }
  return { points: points.end(), dropped: plan.dropped };
}

/** What a family's name becomes: worked out once per name and kept by the target (legalName runs five regexes). */
interface Naming {
  name: string | null;
  unit: string;
}

export type NameMemo = Map<string, Naming>;

function naming(raw: string, counter: boolean, names: NameMemo): Naming {
  const memoKey = counter ? `c:${raw}` : raw;
  let n = names.get(memoKey);
  if (!n) {
    const name = legalName(counter ? raw.replace(/_total$/, '') : raw);
    n = { name, unit: unitOfName(raw) };
    names.set(memoKey, n);
  }
  return n;
}

function isCreated(name: string, types: Map<string, string>): boolean {
  if (!name.endsWith('_created')) return false;
  const base = name.slice(0, -8);
  return FOLDED.has(types.get(base) ?? '') || types.get(`${base}_total`) === 'counter';
}

interface Legal {
  labels: Labels;
  key: string;
}

/**
 * The legal labels and metric key of a series under `name`, or null (too many
 * labels); worked out once per series and kept in its memo (the target's cache).
 */
function legal(memo: SeriesMemo, raw: Record<string, string>, name: string): Legal | null {
  if (memo.legalFor === name) return memo.legal as Legal | null;
  const labels = legalLabels(raw);
  const out = labels && { labels, key: metricKey(name, labels) };
  memo.legalFor = name;
  memo.legal = out;
  return out;
}

/** legal() for the group a series heads. */
function legalGroup(memo: SeriesMemo, raw: Record<string, string>, name: string): Legal | null {
  if (memo.groupFor === name) return memo.group as Legal | null;
  const labels = legalLabels(raw);
  const out = labels && { labels, key: metricKey(name, labels) };
  memo.groupFor = name;
  memo.group = out;
  return out;
}

type Scalar = Extract<Point, { kind: 'gauge' | 'counter' }>;

/**
 * The gauge or counter point of a series: the object of the last round, with its
 * new value, unless it was made otherwise or is already in this round's `out`
 * (a series twice on a page). Points are read within the round (Folder.fold
 * copies what it keeps), so a round allocates none for a known series.
 */
function scalar(memo: SeriesMemo, kind: Scalar['kind'], l: Legal, name: string, unit: string, v: number, out: ExpoPoints): Scalar {
  const held = memo.point as Scalar | null;
  if (held && memo.pointIn !== out && held.kind === kind && held.key === l.key && held.name === name && held.unit === unit) {
    held.v = v;
    memo.pointIn = out;
    return held;
  }
  const p: Scalar = { kind, name, labels: l.labels, key: l.key, unit, v };
  memo.point = p;
  memo.pointIn = out;
  return p;
}

function gaugePoints(f: Family, { name, unit }: Naming, out: ExpoPoints, ops: Op[] | null): void {
  for (const s of f.samples) {
    const l = name && legal(s.memo, s.labels, name);
    if (!name || !l) out.dropped++;
    else scalarPoint(s, 'gauge', l, name, unit, out, ops);
  }
}

function counterPoints(f: Family, { name, unit }: Naming, out: ExpoPoints, ops: Op[] | null): void {
  for (const s of f.samples) {
    if (s.suffix !== '' && s.suffix !== '_total') continue;
    const l = name && legal(s.memo, s.labels, name);
    if (!name || !l) out.dropped++;
    else scalarPoint(s, 'counter', l, name, unit, out, ops);
  }
}

/** A gauge's or counter's point, when its value is finite; a plan's step either way (a later round's value may be). */
function scalarPoint(s: ExpoSample, kind: Scalar['kind'], l: Legal, name: string, unit: string, out: ExpoPoints, ops: Op[] | null): void {
  const finite = Number.isFinite(s.value);
  if (!finite && !ops) return;
  const p = scalar(s.memo, kind, l, name, unit, s.value, out);
  if (finite) out.points.push(p);
  ops?.push(new Op(SCALAR, p, [s], null, []));
}

interface Group {
  /** The labels less `le`/`quantile`. */
  labels: Record<string, string>;
  /** The memo of the group's first series, which holds the group's legal labels. */
  memo: SeriesMemo;
  samples: ExpoSample[];
}

/** Samples of one family grouped by their labels less `drop` (le, quantile); the grouping key is memoised per series. */
function groups(f: Family, drop: 'le' | 'quantile'): Map<string, Group> {
  const by = new Map<string, Group>();
  for (const s of f.samples) {
    let key = s.memo.groupKey;
    if (s.memo.keyLess !== drop) {
      key = '';
      for (const k in s.labels) if (k !== drop) key += `${k}\u0001${s.labels[k]}\u0002`;
      s.memo.keyLess = drop;
      s.memo.groupKey = key;
    }
    let g = by.get(key);
    if (!g) {
      const labels: Record<string, string> = Object.create(null);
      for (const k in s.labels) if (k !== drop) labels[k] = s.labels[k];
      by.set(key, (g = { labels, memo: s.memo, samples: [] }));
    }
    g.samples.push(s);
  }
  return by;
}

function histogramPoints(f: Family, { name, unit }: Naming, out: ExpoPoints, ops: Op[] | null): void {
  for (const g of groups(f, 'le').values()) {
    const buckets: Bucket[] = [];
    // The bucket samples in the same order, for a plan's step.
    let samples: ExpoSample[] | null = ops ? [] : null;
    let count: ExpoSample | null = null;
    let sorted = true;
    for (const s of g.samples) {
      if (s.suffix === '_count') count = s;
      else if (s.suffix === '_bucket' && s.labels.le !== undefined) {
        const le = boundOf(s);
        // In order (and no NaN) as a page writes them: then the (stable) sort would leave them as they are.
        if (!(buckets.length === 0 || buckets[buckets.length - 1].le <= le)) sorted = false;
        buckets.push({ le, count: s.value });
        samples?.push(s);
      }
    }
    if (!sorted) {
      // A stable sort of the positions by bound: the order the buckets' own stable sort gives.
      const order = buckets.map((_, i) => i).sort((a, b) => buckets[a].le - buckets[b].le);
      const bs = order.map((i) => buckets[i]);
      if (samples) samples = order.map((i) => samples![i]);
      buckets.splice(0, buckets.length, ...bs);
    }
    const l = name && legalGroup(g.memo, g.labels, name);
    const ok = buckets.length >= 2 && buckets[buckets.length - 1].le === Infinity && !buckets.some((b) => Number.isNaN(b.le));
    if (!name || !l || !ok) {
      out.dropped++;
      continue;
    }
    const n = count ? count.value : NaN;
    const p: Histogram = { kind: 'histogram', name, labels: l.labels, key: l.key, unit, buckets, count: Number.isNaN(n) ? buckets[buckets.length - 1].count : n };
    out.points.push(p);
    if (samples) ops!.push(new Op(HISTOGRAM, p, samples, count, []));
  }
}

/** The bound of a bucket sample's `le`, worked out once per series (its labels never change). */
function boundOf(s: ExpoSample): number {
  const raw = s.labels.le;
  if (s.memo.leFor !== raw) {
    s.memo.leFor = raw;
    s.memo.le = leOf(raw);
  }
  return s.memo.le;
}

function summaryPoints(f: Family, { name, unit }: Naming, out: ExpoPoints, ops: Op[] | null): void {
  for (const g of groups(f, 'quantile').values()) {
    const l = name && legalGroup(g.memo, g.labels, name);
    if (!name || !l) {
      out.dropped++;
      continue;
    }
    const quantiles: { q: number; v: number }[] = [];
    const slots: { q: number; v: number }[] = [];
    const samples: ExpoSample[] = [];
    let count: ExpoSample | null = null;
    for (const s of g.samples) {
      if (s.suffix === '_count') count = s;
      else if (s.suffix === '' && s.labels.quantile !== undefined) {
        const q = Number(s.labels.quantile);
        if (!(q >= 0 && q <= 1)) continue;
        const slot = { q, v: s.value };
        slots.push(slot);
        samples.push(s);
        if (Number.isFinite(s.value)) quantiles.push(slot);
      }
    }
    const n = count ? count.value : NaN;
    const p: Summary = { kind: 'summary', name, labels: l.labels, key: l.key, unit, quantiles, count: Number.isNaN(n) ? 0 : n };
    out.points.push(p);
    ops?.push(new Op(SUMMARY, p, samples, count, slots));
  }
}

function leOf(raw: string): number {
  if (raw === '+Inf' || raw === 'Inf') return Infinity;
  return raw.trim() === '' ? NaN : Number(raw);
}
