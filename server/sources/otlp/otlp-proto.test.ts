import { ValueType } from '@opentelemetry/api';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OtlpRequest } from './otlp-json.js';
import { OtlpProtoDecoder } from './otlp-proto.js';

/*
 * The protobuf decoder against the OpenTelemetry JS SDK's own serializers
 * (@opentelemetry/otlp-transformer, which the OTLP exporters use): the same
 * metrics, serialized as OTLP protobuf and as OTLP/JSON, read to the same
 * request by OtlpRequest.
 */

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

class Collector extends MetricReader {
  constructor(temporality: AggregationTemporality) {
    super({ aggregationTemporalitySelector: () => temporality });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

// -0 stays -0 in protobuf but is written 0 in JSON; the two encodings cannot agree on it.
const noMinusZero = (x: number) => (x === 0 ? 0 : x);
const attrValue = fc.oneof(fc.string({ maxLength: 12 }), fc.boolean(), fc.integer({ min: -1e6, max: 1e6 }), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map(noMinusZero));
const attrs = fc.dictionary(fc.constantFrom('model', 'route', 'code', 'ok', 'ratio'), attrValue, { maxKeys: 3 });
const value = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1e9 }), fc.double({ noNaN: true, noDefaultInfinity: true, min: 0, max: 1e12 }).map(noMinusZero));
const signed = fc.oneof(fc.constant(0), fc.integer({ min: -1e9, max: 1e9 }), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }).map(noMinusZero));

async function collect(temporality: AggregationTemporality, record: (m: ReturnType<MeterProvider['getMeter']>) => void): Promise<ResourceMetrics> {
  const reader = new Collector(temporality);
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'svc', 'service.instance.id': 'i-1' }), readers: [reader] });
  record(provider.getMeter('test', '1.0'));
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
}

function bothWays(rm: ResourceMetrics): [unknown, unknown] {
  const json = JSON.parse(new TextDecoder().decode(JsonMetricsSerializer.serializeRequest(rm)));
  const proto = new OtlpProtoDecoder().decode(ProtobufMetricsSerializer.serializeRequest(rm)!);
  return [OtlpRequest.safeParse(json), OtlpRequest.safeParse(proto)];
}

describe('OtlpProtoDecoder', () => {
  it('reads what the SDK serializes as protobuf to the request its OTLP/JSON gives', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(attrs, value, signed), { minLength: 1, maxLength: 4 }),
        fc.constantFrom(AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA),
        async (records, temporality) => {
          const rm = await collect(temporality, (meter) => {
            const counter = meter.createCounter('tokens', { unit: '{token}' });
            const ints = meter.createCounter('requests', { valueType: ValueType.INT });
            const updown = meter.createUpDownCounter('inflight');
            const gauge = meter.createGauge('queue.depth', { unit: 'By' });
            const hist = meter.createHistogram('latency', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 0.5, 1, 5] } });
            for (const [a, v, s] of records) {
              counter.add(v, a);
              ints.add(Math.round(v), a);
              updown.add(s, a);
              gauge.record(s, a);
              hist.record(v, a);
            }
          });
          const [json, proto] = bothWays(rm);
          expect(proto).toEqual(json);
          expect((json as { success: boolean }).success).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses bytes that are not a request, naming the body', () => {
    expect(() => new OtlpProtoDecoder().decode(Buffer.from('this is not protobuf'))).toThrow(/^body: not an OTLP protobuf ExportMetricsServiceRequest/);
  });

  it('skips nested attribute values unread, however deep', () => {
    // KeyValue{key:"k", value: AnyValue{arrayValue: ArrayValue{values: [AnyValue{arrayValue: …}]}}}, 50,000 deep,
    // written outside in from lengths worked out inside out.
    const prefixes: Buffer[] = [];
    let length = 0;
    for (let i = 0; i < 50_000; i++) {
      const array = Buffer.concat([Buffer.from([0x0a]), varint(length)]); // ArrayValue.values = 1
      length += array.length;
      const any = Buffer.concat([Buffer.from([0x2a]), varint(length)]); // AnyValue.arrayValue = 5
      length += any.length;
      prefixes.push(array, any);
    }
    const inner = Buffer.concat(prefixes.reverse());
    const kv = Buffer.concat([Buffer.from([0x0a, 0x01, 0x6b, 0x12]), varint(inner.length), inner]);
    const resource = Buffer.concat([Buffer.from([0x0a]), varint(kv.length), kv]);
    const rm = Buffer.concat([Buffer.from([0x0a]), varint(resource.length), resource]);
    const body = Buffer.concat([Buffer.from([0x0a]), varint(rm.length), rm]);
    expect(new OtlpProtoDecoder().decode(body)).toEqual({ resourceMetrics: [{ resource: { attributes: [{ key: 'k', value: {} }] }, scopeMetrics: [] }] });
  });

  it('reads an empty body as a request without metrics', () => {
    expect(new OtlpProtoDecoder().decode(new Uint8Array())).toEqual({ resourceMetrics: [] });
  });
});
