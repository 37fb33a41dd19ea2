import * as z from 'zod/mini';

/*
 * A series is a metric name, the source that produced it, and a few bounded
 * labels (cpu, mode, device, mountpoint, interface, …). On the wire, a tick's
 * and a snapshot group's `values` are keyed by the series' **metric key**:
 *
 *   host.cpu.total                                  no labels
 *   host.fs.used_ratio{mountpoint=/}                one label
 *   host.cpu.seconds{cpu=0,mode=user}               labels sorted by name
 *
 * Rules a client may rely on:
 * - A key is `name` alone, or `name{k=v,k=v}` with 1 to MAX_LABELS labels in
 *   ascending order of label name; one series has exactly one key.
 * - Label names are [a-z_][a-z0-9_]*; label values are 1 to LABEL_VALUE_MAX
 *   characters of [A-Za-z0-9_.:/+~-] (never `{ } = , @`, a quote, a space or a
 *   control character), so a key splits without escapes (parseMetricKey).
 * - The source is not part of the key: it is the tick's (or group's) `source`.
 */

export const METRIC_NAME_MAX = 128;
export const MetricName = z.string().check(
  z.maxLength(METRIC_NAME_MAX, `metric name must be at most ${METRIC_NAME_MAX} characters`),
  z.regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*$/, 'metric name must be dotted words of [a-z0-9_], e.g. "app.tokens_per_s"'),
);

export const MAX_LABELS = 5;
export const LABEL_NAME_MAX = 32;
export const LABEL_VALUE_MAX = 128;

export const LABEL_NAME_RE = /^[a-z_][a-z0-9_]*$/;
export const LABEL_VALUE_RE = /^[A-Za-z0-9_.:/+~-]+$/;
const NAME_PART = '[a-z0-9_]+(?:\\.[a-z0-9_]+)*';
const LABEL_PART = '[a-z_][a-z0-9_]*=[A-Za-z0-9_.:/+~-]+';
const KEY_RE = new RegExp(`^${NAME_PART}(?:\\{${LABEL_PART}(?:,${LABEL_PART}){0,${MAX_LABELS - 1}}\\})?$`);
/** The longest key: a name of the most characters plus the most labels of the most characters. */
export const METRIC_KEY_MAX = METRIC_NAME_MAX + 2 + MAX_LABELS * (LABEL_NAME_MAX + 1 + LABEL_VALUE_MAX + 1);

export type Labels = Record<string, string>;

/** A series' key within its source: `name` or `name{k=v,…}` (see the rules above). */
export const MetricKey = z.string().check(
  z.maxLength(METRIC_KEY_MAX, `metric key must be at most ${METRIC_KEY_MAX} characters`),
  z.regex(KEY_RE, 'metric key must be a metric name, optionally followed by {label=value,…}, e.g. "host.fs.used_ratio{mountpoint=/}"'),
);

/** The key of a name and its labels; labels are sorted, so equal label sets give equal keys. */
export function metricKey(name: string, labels?: Readonly<Labels> | null): string {
  if (!labels) return name;
  const names = Object.keys(labels);
  if (names.length === 0) return name;
  names.sort();
  let out = `${name}{`;
  for (let i = 0; i < names.length; i++) out += `${i ? ',' : ''}${names[i]}=${labels[names[i]]}`;
  return `${out}}`;
}

/**
 * An empty object to key by metric keys (a tick's or group's `values`, `history`):
 * without a prototype, so a key such as `__proto__` or `constructor` is a plain own
 * property, never Object.prototype's setter or method.
 */
export function keyedByMetric<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** The name and labels of a key made by metricKey (labels in a null-prototype object). */
export function parseMetricKey(key: string): { name: string; labels: Labels } {
  const labels: Labels = Object.create(null);
  const open = key.indexOf('{');
  if (open < 0) return { name: key, labels };
  for (const pair of key.slice(open + 1, -1).split(',')) {
    const eq = pair.indexOf('=');
    labels[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { name: key.slice(0, open), labels };
}

/** The metric name of a key, without parsing its labels. */
export function keyName(key: string): string {
  const open = key.indexOf('{');
  return open < 0 ? key : key.slice(0, open);
}

/**
 * A raw label value (a mount point with a space, a model name with a quote) as a
 * legal one: every other character becomes `_`, and it is cut to LABEL_VALUE_MAX.
 * Sources use it on what they read; ingest refuses illegal values instead.
 */
export function labelValue(raw: string): string {
  const v = raw.replace(/[^A-Za-z0-9_.:/+~-]/g, '_').slice(0, LABEL_VALUE_MAX);
  return v || '_';
}

/** True when `a` holds exactly `b`'s keys in `b`'s order (a compact stream's layout is unchanged). */
export function sameKeys(a: readonly string[] | null | undefined, b: readonly string[]): boolean {
  if (a === b) return true;
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
