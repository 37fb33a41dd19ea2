import { z } from 'zod';
import { INGEST_VALUE_MAX } from '../../../shared/ingest.js';

/*
 * The part of OTLP/JSON (ExportMetricsServiceRequest, opentelemetry-proto's JSON
 * mapping) that Vigil reads. Per that mapping, 64-bit integers (times in ns,
 * counts, asInt) may come as decimal strings or numbers, and enums as their
 * number or their name. Unknown fields are ignored, as OTLP asks of receivers.
 */

/** A 64-bit integer field's message: a missing one says it is required, a wrong one what it must be. */
const int64Error = (what: string) => (iss: { input?: unknown }) => (iss.input === undefined ? `is required: ${what}` : `must be ${what}`);
const UNSIGNED = 'a whole number ≥ 0, or a string of at most 20 digits';
const SIGNED = 'a whole number, or a string of at most 20 digits with an optional minus';
const Int64 = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/, `must be ${UNSIGNED}`)], { error: int64Error(UNSIGNED) }).transform(Number);
const SignedInt64 = z.union([z.number().int(), z.string().regex(/^-?\d{1,20}$/, `must be ${SIGNED}`)], { error: int64Error(SIGNED) }).transform(Number);
/** Doubles may be "NaN", "Infinity" in the JSON mapping; those are refused like NaN in ingest, and so is past ±1e300 (window sums would overflow). */
const Double = z.number({ error: 'must be a finite number' }).refine((v) => Math.abs(v) <= INGEST_VALUE_MAX, `must be within ±${INGEST_VALUE_MAX}`);

const AnyValue = z.object({
  stringValue: z.string().max(1024).optional(),
  boolValue: z.boolean().optional(),
  intValue: SignedInt64.optional(),
  doubleValue: z.number().optional(),
});

export const KeyValue = z.object({ key: z.string().min(1).max(256), value: AnyValue.optional() });
const Attributes = z.array(KeyValue).max(64, 'at most 64 attributes').optional();

const Temporality = z
  .union([z.literal(1), z.literal(2), z.literal('AGGREGATION_TEMPORALITY_DELTA'), z.literal('AGGREGATION_TEMPORALITY_CUMULATIVE')], {
    error: 'aggregationTemporality must be 1 (delta) or 2 (cumulative)',
  })
  .transform((v) => (v === 1 || v === 'AGGREGATION_TEMPORALITY_DELTA' ? 'delta' : 'cumulative'));

const Times = { startTimeUnixNano: Int64.optional(), timeUnixNano: Int64 };

const NumberPoint = z
  .object({ attributes: Attributes, ...Times, asDouble: Double.optional(), asInt: SignedInt64.optional() })
  .refine((p) => p.asDouble !== undefined || p.asInt !== undefined, 'a data point needs asDouble or asInt');

const HistogramPoint = z
  .object({
    attributes: Attributes,
    ...Times,
    count: Int64,
    bucketCounts: z.array(Int64).max(1000, 'at most 1000 buckets').optional(),
    explicitBounds: z.array(Double).max(999).optional(),
  })
  .refine((p) => (p.bucketCounts?.length ?? 0) === 0 || p.bucketCounts!.length === (p.explicitBounds?.length ?? 0) + 1, 'bucketCounts must hold one more entry than explicitBounds')
  .refine((p) => (p.explicitBounds ?? []).every((b, i, a) => i === 0 || b > a[i - 1]), 'explicitBounds must be increasing');

const SummaryPoint = z.object({
  attributes: Attributes,
  ...Times,
  count: Int64,
  quantileValues: z.array(z.object({ quantile: z.number().min(0).max(1).optional(), value: Double.optional() })).max(100).optional(),
});

const Points = <T extends z.ZodType>(p: T) => z.array(p).max(100_000);

export const OtlpMetric = z
  .object({
    name: z.string().min(1, 'name must not be empty').max(255),
    unit: z.string().max(63).optional(),
    gauge: z.object({ dataPoints: Points(NumberPoint).optional() }).optional(),
    sum: z.object({ dataPoints: Points(NumberPoint).optional(), aggregationTemporality: Temporality, isMonotonic: z.boolean().optional() }).optional(),
    histogram: z.object({ dataPoints: Points(HistogramPoint).optional(), aggregationTemporality: Temporality }).optional(),
    summary: z.object({ dataPoints: Points(SummaryPoint).optional() }).optional(),
    exponentialHistogram: z.unknown().optional(),
  })
  .refine((m) => m.exponentialHistogram === undefined, 'exponential histograms are not supported; export explicit-bucket histograms')
  .refine((m) => [m.gauge, m.sum, m.histogram, m.summary, m.exponentialHistogram].filter((x) => x !== undefined).length === 1, 'a metric must be exactly one of gauge, sum, histogram or summary');
export type OtlpMetric = z.infer<typeof OtlpMetric>;

export const OtlpRequest = z.object({
  resourceMetrics: z
    .array(
      z.object({
        resource: z.object({ attributes: Attributes }).optional(),
        scopeMetrics: z.array(z.object({ metrics: z.array(OtlpMetric).optional() })).optional(),
      }),
    )
    .max(1000),
});
export type OtlpRequest = z.infer<typeof OtlpRequest>;
