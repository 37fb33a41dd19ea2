import protobuf from 'protobufjs';

/*
 * OTLP/HTTP's protobuf encoding, read into the same shape as its JSON mapping,
 * so one schema (otlp-json.ts) and one converter take both. The messages are the
 * part of opentelemetry-proto (collector/metrics/v1, metrics/v1, common/v1,
 * resource/v1) that Vigil reads, written here from the spec's field numbers as
 * a protobufjs descriptor; fields not listed (exemplars, flags, the buckets of
 * exponential histograms, array and key-value attribute values) are skipped as
 * unknown fields, as protobuf readers do. toObject gives camelCase names, 64-bit integers as
 * decimal strings and enums as numbers, as the JSON mapping allows.
 */

const repeated = (type: string, id: number) => ({ rule: 'repeated', type, id });
const field = (type: string, id: number) => ({ type, id });

const DESCRIPTOR = {
  nested: {
    // Only the scalar values (otlp-json.ts reads no others): an array or key-value
    // list (5, 6) is skipped unread, so no nesting of them can run the decoder deep.
    AnyValue: {
      oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue'] } },
      fields: { stringValue: field('string', 1), boolValue: field('bool', 2), intValue: field('int64', 3), doubleValue: field('double', 4) },
    },
    KeyValue: { fields: { key: field('string', 1), value: field('AnyValue', 2) } },
    Resource: { fields: { attributes: repeated('KeyValue', 1) } },
    InstrumentationScope: { fields: { name: field('string', 1), version: field('string', 2) } },
    ExportMetricsServiceRequest: { fields: { resourceMetrics: repeated('ResourceMetrics', 1) } },
    ResourceMetrics: { fields: { resource: field('Resource', 1), scopeMetrics: repeated('ScopeMetrics', 2) } },
    ScopeMetrics: { fields: { scope: field('InstrumentationScope', 1), metrics: repeated('Metric', 2) } },
    Metric: {
      oneofs: { data: { oneof: ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] } },
      fields: {
        name: field('string', 1),
        description: field('string', 2),
        unit: field('string', 3),
        gauge: field('Gauge', 5),
        sum: field('Sum', 7),
        histogram: field('Histogram', 9),
        exponentialHistogram: field('ExponentialHistogram', 10),
        summary: field('Summary', 11),
      },
    },
    Gauge: { fields: { dataPoints: repeated('NumberDataPoint', 1) } },
    Sum: { fields: { dataPoints: repeated('NumberDataPoint', 1), aggregationTemporality: field('int32', 2), isMonotonic: field('bool', 3) } },
    Histogram: { fields: { dataPoints: repeated('HistogramDataPoint', 1), aggregationTemporality: field('int32', 2) } },
    ExponentialHistogram: { fields: { aggregationTemporality: field('int32', 2) } },
    Summary: { fields: { dataPoints: repeated('SummaryDataPoint', 1) } },
    NumberDataPoint: {
      oneofs: { value: { oneof: ['asDouble', 'asInt'] } },
      fields: {
        attributes: repeated('KeyValue', 7),
        startTimeUnixNano: field('fixed64', 2),
        timeUnixNano: field('fixed64', 3),
        asDouble: field('double', 4),
        asInt: field('sfixed64', 6),
      },
    },
    HistogramDataPoint: {
      fields: {
        attributes: repeated('KeyValue', 9),
        startTimeUnixNano: field('fixed64', 2),
        timeUnixNano: field('fixed64', 3),
        count: field('fixed64', 4),
        bucketCounts: repeated('fixed64', 6),
        explicitBounds: repeated('double', 7),
      },
    },
    SummaryDataPoint: {
      fields: {
        attributes: repeated('KeyValue', 7),
        startTimeUnixNano: field('fixed64', 2),
        timeUnixNano: field('fixed64', 3),
        count: field('fixed64', 4),
        quantileValues: repeated('ValueAtQuantile', 6),
      },
    },
    ValueAtQuantile: { fields: { quantile: field('double', 1), value: field('double', 2) } },
  },
};

export class OtlpProtoError extends Error {}

/** Decodes an ExportMetricsServiceRequest; its messages are built once per decoder. */
export class OtlpProtoDecoder {
  private readonly request = protobuf.Root.fromJSON(DESCRIPTOR).lookupType('ExportMetricsServiceRequest');

  /**
   * The request as its JSON mapping would write it, for OtlpRequest to parse.
   * Scalars the wire leaves out because they are zero (a count of 0, quantile 0)
   * are written as 0, as the JSON mapping's writers do; an unset message is left out.
   */
  decode(body: Uint8Array): unknown {
    try {
      const message = this.request.decode(body);
      return withoutNulls(this.request.toObject(message, { longs: String, enums: Number, defaults: true, arrays: true, oneofs: false }));
    } catch (err) {
      throw new OtlpProtoError(`body: not an OTLP protobuf ExportMetricsServiceRequest (${String((err as Error)?.message ?? err).slice(0, 120)})`);
    }
  }
}

/** toObject's `defaults` writes an unset message field as null; the JSON mapping leaves it out. */
function withoutNulls(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(withoutNulls);
  if (x === null || typeof x !== 'object') return x;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) if (v !== null) out[k] = withoutNulls(v);
  return out;
}
