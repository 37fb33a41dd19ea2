import type { Labels } from '../../shared/series.js';

/*
 * What a source exports to /metrics, beside what it streams: raw values in
 * Prometheus terms (base units, cumulative counters as their totals, node_exporter
 * names for host signals), read when /metrics is scraped. Sources build these
 * plain objects; server/http/prometheus.ts writes the text format.
 */

export type FamilyType = 'counter' | 'gauge' | 'untyped' | 'summary';

export interface FamilySample {
  labels?: Labels;
  v: number;
  /** `_sum` or `_count` of a summary; absent for the family's own samples. */
  suffix?: '_sum' | '_count';
}

export interface Family {
  /** A legal Prometheus name; counters end in `_total`. */
  name: string;
  type: FamilyType;
  help: string;
  samples: FamilySample[];
}

/** A source with raw values for /metrics. */
export interface Exporter {
  families(): Family[];
}

export function isExporter<T>(x: T): x is T & Exporter {
  return typeof (x as Partial<Exporter> | null)?.families === 'function';
}

/** A family of one sample, or none when the value is unknown. */
export function single(name: string, type: FamilyType, help: string, v: number | null | undefined): Family[] {
  return v == null || !Number.isFinite(v) ? [] : [{ name, type, help, samples: [{ v }] }];
}
