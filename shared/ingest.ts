// The ingest body lives apart from the stream schemas so the page, which never
// ingests, does not bundle it.
import * as z from 'zod/mini';
import { SourceName, Unit } from './schema.js';
import { LABEL_NAME_MAX, LABEL_NAME_RE, LABEL_VALUE_MAX, LABEL_VALUE_RE, MAX_LABELS, MetricName } from './series.js';

/*
 * POST api/ingest: metrics pushed by other programs, shown on the `app` channel.
 * Rules a producer may rely on:
 * - The body is one group `{ source?, metrics }` or an array of groups (a batch).
 *   `source` defaults to the receiving instance's own source name.
 * - `t` (ms since the epoch) defaults to the time of receipt; it orders samples in
 *   the window and must lie within the server's skew limit (INGEST_MAX_SKEW).
 * - Either the whole request is accepted (202) or nothing of it is recorded (4xx).
 * - Names of the built-in channels (`host.`, `process.`, `http.`) are reserved.
 * - `labels` (optional, at most MAX_LABELS) make the series `name{k=v,…}`: one
 *   series per label set, at most MAX_LABEL_SETS label sets per name and source.
 */
// Label rules: see series.ts.
export const LabelName = z.string().check(
  z.maxLength(LABEL_NAME_MAX, `label name must be at most ${LABEL_NAME_MAX} characters`),
  z.regex(LABEL_NAME_RE, 'label name must be [a-z_][a-z0-9_]*, e.g. "mountpoint"'),
);

export const LabelValue = z.string().check(
  z.minLength(1, 'label value must not be empty'),
  z.maxLength(LABEL_VALUE_MAX, `label value must be at most ${LABEL_VALUE_MAX} characters`),
  z.regex(LABEL_VALUE_RE, 'label value must be characters of [A-Za-z0-9_.:/+~-], e.g. "/var/lib" or "nvme0n1"'),
);

/**
 * `__proto__` is the one legal name (or label name) no JSON client can be trusted
 * to keep: JSON.parse makes it an own key, but zod's records (the page's parser)
 * drop it and `obj[key] = …` sets a prototype instead. Every other word, including
 * `constructor` and the like, is a metric like any other.
 */
const NOT_PROTO = 'is "__proto__", which JSON clients (the page among them) cannot keep as a key; pick another';

/**
 * Labels of a pushed series (the page never parses them, so they live here, not in
 * series.ts). A `__proto__` label is refused before zod's record would drop it unseen.
 */
export const IngestLabels = z.pipe(
  z.unknown().check(z.refine((l: unknown) => !(l !== null && typeof l === 'object' && Object.hasOwn(l, '__proto__')), `label name ${NOT_PROTO}`)),
  z.record(LabelName, LabelValue).check(
    z.refine((l: Record<string, string>) => Object.keys(l).length <= MAX_LABELS, `at most ${MAX_LABELS} labels per series`),
  ),
);
export const INGEST_VALUE_MAX = 1e300;
export const RESERVED_PREFIXES = ['host.', 'process.', 'http.'] as const;

export const IngestMetric = z.object({
  name: MetricName.check(
    z.refine((n: string) => !RESERVED_PREFIXES.some((p) => n.startsWith(p)), `metric name must not start with ${RESERVED_PREFIXES.join(', ')} (reserved for built-in channels)`),
    z.refine((n: string) => n !== '__proto__', `metric name ${NOT_PROTO}`),
  ),
  // z.number() refuses NaN and ±Infinity (1e400 parses to Infinity); strings are not coerced.
  value: z
    .number({ error: (i) => (i.input === undefined ? 'value is required' : 'value must be a finite number') })
    // Past this, window sums and rounding overflow to Infinity, which JSON sends as null.
    .check(z.refine((v: number) => Math.abs(v) <= INGEST_VALUE_MAX, `value must be within ±${INGEST_VALUE_MAX}`)),
  unit: z.optional(Unit),
  /** A few bounded labels (`{"model": "llama-3-8b"}`); the series is the name with these labels. */
  labels: z.optional(IngestLabels),
  t: z.optional(
    z.number({ error: 't must be a number of ms since the epoch' }).check(z.refine(Number.isInteger, 't must be whole ms since the epoch')),
  ),
});
export type IngestMetric = z.infer<typeof IngestMetric>;

export const IngestGroup = z.object({
  source: z.optional(SourceName),
  metrics: z.array(IngestMetric).check(z.minLength(1, 'metrics must hold at least one metric')),
});
export type IngestGroup = z.infer<typeof IngestGroup>;

export const IngestBatch = z
  .array(IngestGroup)
  .check(z.minLength(1, 'a batch must hold at least one group'), z.maxLength(1000, 'a batch holds at most 1000 groups'));

/**
 * A group or a batch of groups; the server also caps the metrics per request.
 * Parse with `parseIngestBody` for messages that name the field (a plain union
 * only says "Invalid input").
 */
export const IngestBody = z.union([IngestGroup, IngestBatch]);
export type IngestBody = z.infer<typeof IngestBody>;

export const IngestAccepted = z.object({
  accepted: z.int().check(z.nonnegative()),
  sources: z.array(SourceName),
});
export type IngestAccepted = z.infer<typeof IngestAccepted>;

export function parseIngestBody(body: unknown): ReturnType<typeof IngestBatch.safeParse> | ReturnType<typeof IngestGroup.safeParse> {
  return Array.isArray(body) ? IngestBatch.safeParse(body) : IngestGroup.safeParse(body);
}
