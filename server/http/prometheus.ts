import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { parseMetricKey } from '../../shared/series.js';
import type { LatestGroup } from '../windows/projection.js';

export interface PrometheusSource {
  /** Every (channel, source) with the latest stat of each metric (the projection clients see). */
  latest(): LatestGroup[];
}

/**
 * GET metrics in the Prometheus text format: Vigil's own process metrics from
 * prom-client on a Registry of this instance (never the global one, so two Vigils
 * in one process and the host app's own prom-client do not collide), then the
 * latest value of every sampled or ingested series as a gauge:
 * `host.cpu.total@web-1` is `vigil_host_cpu_total{source="web-1"}`.
 *
 * prom-client's default metrics install an event-loop monitor and a GC observer
 * that cannot be removed, so they are installed on the first scrape only.
 */
export class PrometheusExport {
  readonly registry = new Registry();
  private defaultsInstalled = false;

  constructor(private readonly source: PrometheusSource) {}

  handler: RequestHandler = async (_req, res) => {
    if (!this.defaultsInstalled) {
      this.defaultsInstalled = true;
      collectDefaultMetrics({ register: this.registry });
    }
    const own = await this.registry.metrics();
    res.set('Content-Type', this.registry.contentType).set('Cache-Control', 'no-cache').send(own + renderSeries(this.source.latest()));
  };
}

export const promName = (metric: string) => 'vigil_' + metric.replace(/\./g, '_');

/** Text exposition of the latest stats; a name that maps onto another's family keeps the first series per source. */
export function renderSeries(groups: readonly LatestGroup[]): string {
  const families = new Map<string, { help: string; samples: Map<string, number> }>();
  for (const { channel, source, values } of groups) {
    for (const key of Object.keys(values)) {
      const stat = values[key];
      const { name: metric, labels } = parseMetricKey(key);
      const name = promName(metric);
      let f = families.get(name);
      if (!f) families.set(name, (f = { help: `${metric}${stat.u ? ` (${stat.u})` : ''}, ${channel} channel, latest sample`, samples: new Map() }));
      let set = `source="${escapeLabel(source)}"`;
      for (const k in labels) if (k !== 'source') set += `,${k}="${escapeLabel(labels[k])}"`;
      if (!f.samples.has(set)) f.samples.set(set, stat.v);
    }
  }
  let out = '';
  for (const name of [...families.keys()].sort()) {
    const f = families.get(name)!;
    out += `# HELP ${name} ${escapeHelp(f.help)}\n# TYPE ${name} gauge\n`;
    for (const [set, v] of f.samples) out += `${name}{${set}} ${formatValue(v)}\n`;
  }
  return out;
}

const escapeHelp = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const formatValue = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v));
