import { LABEL_NAME_MAX, MAX_LABELS, METRIC_NAME_MAX, MetricName, labelValue, type Labels } from '../../../shared/series.js';
import { RESERVED_PREFIXES } from '../../../shared/ingest.js';

/*
 * Other programs' metric names and labels as Vigil's (shared/series.ts):
 * - `vllm:num_requests_running` → `vllm.num_requests_running` (a colon, which
 *   Prometheus keeps for namespaces and recording rules, becomes a dot),
 *   OTLP's `gen_ai.client.token.usage` stays as it is; upper case is lowered and
 *   any other character becomes `_`.
 * - A name that would fall under a built-in channel (`http.server.duration`) is
 *   put under `app.` (`app.http.server.duration`): those prefixes are reserved.
 * - Labels that only say where the sample came from (`instance`, `job`) or that
 *   the conversion consumes (`le`, `quantile`) are left out; an empty value is
 *   no label (as in Prometheus); values are made legal with labelValue.
 */

/** Room kept for the suffix a conversion adds (`.p99_9`, `.rate`). */
const SUFFIX_ROOM = 8;
const DROPPED_LABELS = new Set(['instance', 'job', 'le', 'quantile', '__name__', 'otel_scope_name', 'otel_scope_version']);

/** A legal dotted metric name for a foreign one, or null when nothing legal is left. */
export function legalName(raw: string): string | null {
  let n = raw
    .toLowerCase()
    .replace(/:/g, '.')
    .replace(/[^a-z0-9_.]/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^\.+|\.+$/g, '');
  if (RESERVED_PREFIXES.some((p) => n.startsWith(p))) n = `app.${n}`;
  n = n.slice(0, METRIC_NAME_MAX - SUFFIX_ROOM).replace(/\.+$/, '');
  // `__proto__` as a whole key is the one name JSON clients cannot keep (shared/ingest.ts).
  return n !== '__proto__' && MetricName.safeParse(n).success ? n : null;
}

/** A Prometheus name's base unit, read from its suffix (`_seconds` → s, `_bytes` → B). */
export function unitOfName(name: string): string {
  const n = name.replace(/_total$/, '');
  if (n.endsWith('_seconds')) return 's';
  if (n.endsWith('_bytes')) return 'B';
  if (n.endsWith('_percent')) return '%';
  return '';
}

/**
 * Foreign labels as Vigil labels, or null when more than MAX_LABELS remain
 * (the series is then left out: merging label sets would add unrelated series).
 */
export function legalLabels(raw: Readonly<Record<string, string>>): Labels | null {
  const out: Labels = Object.create(null);
  let n = 0;
  for (const k of Object.keys(raw)) {
    const v = raw[k];
    if (v === '' || DROPPED_LABELS.has(k)) continue;
    const name = k.toLowerCase().replace(/[^a-z0-9_]/g, '_').replace(/^[0-9]/, '_$&').slice(0, LABEL_NAME_MAX);
    if (name in out) continue;
    if (++n > MAX_LABELS) return null;
    out[name] = labelValue(v);
  }
  return out;
}
