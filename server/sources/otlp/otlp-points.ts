import { MAX_LABELS } from '../../../shared/series.js';
import type { Point } from '../scrape/folder.js';
import { legalLabels, legalName } from '../scrape/names.js';
import type { Bucket } from '../scrape/quantile.js';
import type { OtlpMetric, OtlpRequest } from './otlp-json.js';

/*
 * An OTLP request as points per source (folder.ts says what each becomes):
 * - source: the resource's `service.name`, with `service.instance.id` after a dot
 *   when both are set (replicas of one service stay apart), made a legal source
 *   name; neither: the receiving instance's own source;
 * - gauge → gauge; monotonic sum → rate (cumulative between exports, delta over
 *   its own start..time span); non-monotonic cumulative sum → gauge;
 * - histogram (cumulative or delta) → p50/p95/p99 over the window and `.rate`;
 *   summary → its quantiles and `.rate`;
 * - data point attributes → labels (at most MAX_LABELS, else the request is refused);
 * - units from UCUM: `By` → B, `1` and `{thing}` → none, others as given.
 */

export class OtlpInputError extends Error {}

export interface OtlpGroup {
  source: string;
  points: Point[];
}

type KV = { key: string; value?: { stringValue?: string; boolValue?: boolean; intValue?: number; doubleValue?: number } };

function attr(kv: KV): string | undefined {
  const v = kv.value;
  if (!v) return undefined;
  return v.stringValue ?? (v.intValue ?? v.doubleValue ?? v.boolValue)?.toString();
}

export function sourceOf(attrs: readonly KV[] | undefined, fallback: string): string {
  const get = (k: string) => attr(attrs?.find((a) => a.key === k) ?? { key: k });
  const name = [get('service.name'), get('service.instance.id')].filter(Boolean).join('.');
  const legal = name.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
  return legal || fallback;
}

export function ucum(unit: string | undefined): string {
  if (!unit || unit === '1' || /^\{.*\}$/.test(unit)) return '';
  if (unit === 'By') return 'B';
  return /^[\x21-\x7e]{1,12}$/.test(unit) ? unit : '';
}

/** Data points in a request, counted before anything else (for the 413). */
export function countPoints(req: OtlpRequest): number {
  let n = 0;
  for (const rm of req.resourceMetrics) {
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) n += (m.gauge ?? m.sum ?? m.histogram ?? m.summary)?.dataPoints?.length ?? 0;
    }
  }
  return n;
}

/** Points per source; throws OtlpInputError naming the first metric Vigil cannot take. */
export function otlpGroups(req: OtlpRequest, fallbackSource: string): OtlpGroup[] {
  const bySource = new Map<string, Point[]>();
  req.resourceMetrics.forEach((rm, ri) => {
    const source = sourceOf(rm.resource?.attributes, fallbackSource);
    let points = bySource.get(source);
    if (!points) bySource.set(source, (points = []));
    (rm.scopeMetrics ?? []).forEach((sm, si) => {
      (sm.metrics ?? []).forEach((m, mi) => metricPoints(m, `resourceMetrics.${ri}.scopeMetrics.${si}.metrics.${mi}`, points));
    });
  });
  return [...bySource].map(([source, points]) => ({ source, points }));
}

function metricPoints(m: OtlpMetric, path: string, out: Point[]): void {
  const name = legalName(m.name);
  if (!name) throw new OtlpInputError(`${path}.name: ${JSON.stringify(m.name.slice(0, 60))} has nothing of a metric name ([a-z0-9_.])`);
  const unit = ucum(m.unit);
  const labelsOf = (attrs: readonly KV[] | undefined, i: number) => {
    const raw: Record<string, string> = Object.create(null);
    for (const kv of attrs ?? []) {
      const v = attr(kv);
      if (v !== undefined) raw[kv.key] = v;
    }
    const labels = legalLabels(raw);
    if (!labels) throw new OtlpInputError(`${path}.dataPoints.${i}.attributes: at most ${MAX_LABELS} attributes per data point, got ${Object.keys(raw).length}`);
    return labels;
  };
  const ms = (ns: number) => ns / 1e6;
  if (m.gauge || (m.sum && !m.sum.isMonotonic && m.sum.aggregationTemporality === 'cumulative')) {
    (m.gauge ?? m.sum)!.dataPoints?.forEach((p, i) => out.push({ kind: 'gauge', name, labels: labelsOf(p.attributes, i), unit, v: p.asDouble ?? p.asInt! }));
  } else if (m.sum) {
    if (!m.sum.isMonotonic) throw new OtlpInputError(`${path}.sum: a non-monotonic sum must be cumulative`);
    const delta = m.sum.aggregationTemporality === 'delta';
    m.sum.dataPoints?.forEach((p, i) => {
      const labels = labelsOf(p.attributes, i);
      const v = p.asDouble ?? p.asInt!;
      if (delta) out.push({ kind: 'delta', name, labels, unit, v, span: p.startTimeUnixNano ? ms(p.timeUnixNano - p.startTimeUnixNano) : 0 });
      else out.push({ kind: 'counter', name, labels, unit, v, t: ms(p.timeUnixNano) });
    });
  } else if (m.histogram) {
    const delta = m.histogram.aggregationTemporality === 'delta';
    m.histogram.dataPoints?.forEach((p, i) => {
      const labels = labelsOf(p.attributes, i);
      if (!p.bucketCounts?.length) return; // no buckets: nothing to rank
      const bounds = [...(p.explicitBounds ?? []), Infinity];
      let cum = 0;
      const buckets: Bucket[] = p.bucketCounts.map((c, b) => ({ le: bounds[b], count: (cum += c) }));
      out.push({ kind: 'histogram', name, labels, unit, buckets, count: p.count, t: ms(p.timeUnixNano), delta });
    });
  } else if (m.summary) {
    m.summary.dataPoints?.forEach((p, i) => {
      const quantiles = (p.quantileValues ?? []).filter((q) => q.value !== undefined).map((q) => ({ q: q.quantile ?? 0, v: q.value! }));
      out.push({ kind: 'summary', name, labels: labelsOf(p.attributes, i), unit, quantiles, count: p.count, t: ms(p.timeUnixNano) });
    });
  }
}
