/*
 * How a pushed metric's name reads in /metrics, and which names are Vigil's own
 * there. Ingest refuses a name whose /metrics form is taken (by another pushed
 * name or by Vigil), so /metrics never silently merges two series.
 */

/** Prefixes of the families Vigil itself exports: node_exporter's, prom-client's, its own, and the host channel's. */
export const RESERVED_PREFIXES = ['node_', 'process_', 'nodejs_', 'vigil_', 'host_'] as const;

/**
 * `inference.latency.p95` → `inference_latency_p95`. A name Prometheus cannot take
 * as it is gets `app_` in front: one starting with a digit (illegal) or with `__`
 * (reserved for Prometheus's own use).
 */
export function exportName(metric: string): string {
  const n = metric.replace(/\./g, '_');
  return /^([0-9]|__)/.test(n) ? `app_${n}` : n;
}

/** The reserved prefix an exported name starts with, or null. */
export function reservedPrefix(exported: string): string | null {
  return RESERVED_PREFIXES.find((p) => exported.startsWith(p)) ?? null;
}
