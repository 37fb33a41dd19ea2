import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { parseMetricKey, type Labels } from '../../shared/series.js';
import { exportName, reservedPrefix } from '../sources/export-name.js';
import { LOOP_RESOLUTION } from '../sources/process.js';
import type { Exporter, Family } from '../sources/exported.js';
import type { CheckState } from '../../shared/schema.js';
import type { LatestGroup } from '../windows/projection.js';
import { renderChecks } from './check-metrics.js';

/** prom-client defaults that are gauges with a `_total` name, beside `nodejs_active_handles` etc. that say the same by type. */
const GAUGES_NAMED_TOTAL = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export interface PrometheusSources {
  /** Every (channel, source) with the latest stat of each metric and when it came (the projection clients see). */
  latest(): LatestGroup[];
  /** Sources with raw values (host counters, stream and request counters) of this instance. */
  exporters(): readonly Exporter[];
  /** This instance's source name, the `source` label of what its exporters give. */
  source: string;
  /** A pushed series without a sample for this long leaves /metrics, ms. */
  staleAfter: number;
  now?: () => number;
  /** Every dashboard check's state (server/checks/), rendered by check-metrics.ts. */
  checks?(): CheckState[];
}

/**
 * GET metrics in the Prometheus text format, as a Prometheus user would write it:
 *
 * - Vigil's own process (CPU, memory, heap, event loop): prom-client's default
 *   metrics, on a Registry of this instance (never the global one, so two Vigils
 *   in one process and the host app's own prom-client do not collide).
 * - The host, stream and request metrics this instance samples, from the raw
 *   values of its sources: counters as cumulative `_total`s, gauges as gauges,
 *   base units, node_exporter's names for host signals. Window stats and the
 *   per-second rates of the stream are not exported: Prometheus computes rates
 *   from counters itself (`rate()`).
 * - Pushed, scraped and OTLP (`app`) series: the latest value as a gauge named
 *   after the metric (`inference.latency.p95` → `inference_latency_p95`), with its
 *   labels, while it has had a sample within `staleAfter`. Ingest refuses names
 *   that would collide; a name with a reserved prefix that came another way (a
 *   scraped node_exporter's `node.load1`) is left out rather than clash with
 *   Vigil's own family.
 *
 * Every sample carries `source`. prom-client's default metrics install an
 * event-loop monitor and a GC observer that cannot be removed, so they are
 * installed on the first scrape only.
 */
export class PrometheusExport {
  readonly registry = new Registry();
  private defaultsInstalled = false;

  constructor(private readonly sources: PrometheusSources) {}

  handler: RequestHandler = async (_req, res) => {
    if (!this.defaultsInstalled) {
      this.defaultsInstalled = true;
      // prom-client's event-loop monitor fires every 10 ms by default: ~1 % of a core on an idle Vigil.
      collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: LOOP_RESOLUTION });
      // Gauges named like counters (promtool warns); prom-client also exports each by type, without _total.
      for (const name of GAUGES_NAMED_TOTAL) this.registry.removeSingleMetric(name);
    }
    const own = await this.registry.metrics();
    res.set('Content-Type', this.registry.contentType).set('Cache-Control', 'no-cache').send(own + this.render());
  };

  /** The text of everything but prom-client's defaults. */
  render(): string {
    const s = this.sources;
    const families: Family[] = [];
    for (const e of s.exporters()) families.push(...e.families());
    return renderFamilies(families, s.source) + renderPushed(s.latest(), (s.now ?? Date.now)() - s.staleAfter) + renderChecks(s.checks?.() ?? []);
  }
}

/** Families of this instance's sources, each sample labelled with `source`; a family given twice is merged. */
export function renderFamilies(families: readonly Family[], source: string): string {
  const byName = new Map<string, Family>();
  for (const f of families) {
    const had = byName.get(f.name);
    if (had) had.samples.push(...f.samples);
    else byName.set(f.name, { ...f, samples: [...f.samples] });
  }
  let out = '';
  for (const name of [...byName.keys()].sort()) {
    const f = byName.get(name)!;
    out += `# HELP ${name} ${escapeHelp(f.help)}\n# TYPE ${name} ${f.type}\n`;
    for (const x of f.samples) out += `${name}${x.suffix ?? ''}{${labelSet(source, x.labels)}} ${formatValue(x.v)}\n`;
  }
  return out;
}

/**
 * The latest value of every pushed series with a sample since `freshSince`, as
 * gauges; HELP names the metric and its unit (every unit, by source, when sources
 * push one name in different units).
 */
export function renderPushed(groups: readonly LatestGroup[], freshSince: number): string {
  const families = new Map<string, { metric: string; units: Map<string, Set<string>>; samples: Map<string, number> }>();
  for (const { channel, source, values, updated } of groups) {
    if (channel !== 'app') continue;
    for (const key of Object.keys(values)) {
      if (!(Object.hasOwn(updated, key) && updated[key] >= freshSince)) continue;
      const stat = values[key];
      const { name: metric, labels } = parseMetricKey(key);
      const name = exportName(metric);
      // Ingest refuses these names; scraped and OTLP series may still carry them (a scraped node_exporter).
      if (reservedPrefix(name)) continue;
      let f = families.get(name);
      if (!f) families.set(name, (f = { metric, units: new Map(), samples: new Map() }));
      const sources = f.units.get(stat.u) ?? new Set<string>();
      f.units.set(stat.u, sources.add(source));
      const set = labelSet(source, labels);
      if (!f.samples.has(set)) f.samples.set(set, stat.v);
    }
  }
  let out = '';
  for (const name of [...families.keys()].sort()) {
    const f = families.get(name)!;
    out += `# HELP ${name} ${escapeHelp(`${f.metric}, pushed to Vigil, latest value${unitsHelp(f.units)}`)}\n# TYPE ${name} gauge\n`;
    for (const [set, v] of f.samples) out += `${name}{${set}} ${formatValue(v)}\n`;
  }
  return out;
}

function unitsHelp(units: Map<string, Set<string>>): string {
  const named = [...units].filter(([u]) => u);
  if (named.length === 0) return '';
  if (named.length === 1 && units.size === 1) return ` (unit: ${named[0][0]})`;
  return ` (units: ${[...units].map(([u, s]) => `${u || 'none'} from ${[...s].sort().join(', ')}`).join('; ')})`;
}

/**
 * `source` first, then the series' labels. A label that is not the series' own to
 * give in Prometheus (`source` itself, or a `__` name, which Prometheus reserves)
 * is exported as `exported_<name>`, as Prometheus does on a scrape conflict.
 */
function labelSet(source: string, labels: Labels | undefined): string {
  let set = `source="${escapeLabel(source)}"`;
  for (const k of Object.keys(labels ?? {})) {
    const name = k === 'source' || k.startsWith('__') ? `exported_${k}` : k;
    set += `,${name}="${escapeLabel(labels![k])}"`;
  }
  return set;
}

const escapeHelp = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const formatValue = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v));
