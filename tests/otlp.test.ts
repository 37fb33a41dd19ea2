import { AggregationTemporalityPreference, OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OTLPProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TickEvent } from '../shared/schema.js';
import { startVigil, type Running } from './helpers/server.js';
import { SseRecorder } from './helpers/sse.js';

const SCALE = Math.max(1, Number(process.env.TEST_TIMEOUT_SCALE) || 1);
const TOKEN = 'otlp-ingest-secret-0123456789';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * A real OpenTelemetry SDK exporting to Vigil over OTLP/HTTP, JSON or protobuf: a
 * counter driven at 250/s, a gauge at 7, a histogram of 50 observations/s of
 * which 9 in 10 are 0.3 s and one 1.5 s.
 */
function app(url: string, service: string, temporality: AggregationTemporalityPreference, encoding: 'json' | 'protobuf' = 'json') {
  const options = { url: `${url}/v1/metrics`, headers: { Authorization: `Bearer ${TOKEN}` }, temporalityPreference: temporality };
  const exporter = encoding === 'json' ? new OTLPMetricExporter(options) : new OTLPProtoMetricExporter(options);
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 500, exportTimeoutMillis: 400 })],
  });
  const meter = provider.getMeter('vigil-test');
  const tokens = meter.createCounter('gen_ai.tokens', { unit: '{token}' });
  const queue = meter.createGauge('app.queue_depth');
  const latency = meter.createHistogram('app.latency', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 0.25, 0.5, 1, 2.5] } });
  const start = performance.now();
  let last = start;
  let done = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    tokens.add((250 * (now - last)) / 1000, { model: 'llama-3-8b' });
    last = now;
    queue.record(7);
    while (done < Math.floor(((now - start) / 1000) * 50)) latency.record(++done % 10 === 0 ? 1.5 : 0.3);
  }, 10);
  return {
    stop: async () => {
      clearInterval(timer);
      await provider.shutdown();
    },
  };
}

describe('OTLP/HTTP metrics from the OpenTelemetry SDK', () => {
  let srv: Running;
  let client: SseRecorder;
  const apps: { stop: () => Promise<void> }[] = [];
  const ticks = (source: string) => client.ticks('app').filter((t) => t.source === source);
  const values = (source: string, key: string) => ticks(source).map((t) => t.values[key]?.v).filter((v): v is number => v !== undefined);

  beforeAll(async () => {
    srv = await startVigil({ ingestToken: TOKEN, ingestRate: 0, ingestCoalesce: 0 });
    client = new SseRecorder(`${srv.url}/api/stream?channels=app`);
    apps.push(app(srv.url, 'otel-cumulative', AggregationTemporalityPreference.CUMULATIVE));
    apps.push(app(srv.url, 'otel-delta', AggregationTemporalityPreference.DELTA));
    apps.push(app(srv.url, 'otel-proto-cumulative', AggregationTemporalityPreference.CUMULATIVE, 'protobuf'));
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    client?.close();
    await srv?.stop();
  });

  for (const source of ['otel-cumulative', 'otel-delta', 'otel-proto-cumulative']) {
    it(`shows a ${source.slice(5)} counter as its rate, the gauge as is, histogram quantiles in their buckets`, async () => {
      const rate = 'gen_ai.tokens{model=llama-3-8b}';
      await client.waitFor(() => values(source, rate).length >= 6 && values(source, 'app.latency.p95').length >= 3, 20_000 * SCALE, `${source} rates`);
      expect(Math.abs(median(values(source, rate).slice(-5)) / 250 - 1)).toBeLessThan(0.05);
      const last = Object.assign({}, ...ticks(source).map((t) => t.values)) as TickEvent['values'];
      expect(last[rate].u).toBe('/s');
      expect(last['app.queue_depth'].v).toBe(7);
      // 90 % at 0.3 s (bucket 0.25-0.5), 10 % at 1.5 s (bucket 1-2.5).
      expect(last['app.latency.p50'].v).toBeGreaterThan(0.25);
      expect(last['app.latency.p50'].v).toBeLessThanOrEqual(0.5);
      expect(last['app.latency.p95'].v).toBeGreaterThan(1);
      expect(last['app.latency.p95'].v).toBeLessThanOrEqual(2.5);
      expect(last['app.latency.p95'].u).toBe('s');
      expect(Math.abs(median(values(source, 'app.latency.rate').slice(-5)) / 50 - 1)).toBeLessThan(0.1);
    }, 30_000 * SCALE);
  }
});

describe('POST v1/metrics refuses, naming what is wrong', () => {
  let srv: Running;
  beforeAll(async () => {
    srv = await startVigil({ ingestToken: TOKEN, ingestRate: 0, maxMetricsPerRequest: 10, ingestCoalesce: 0 });
  });
  afterAll(async () => srv?.stop());

  const post = async (body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${srv.url}/v1/metrics`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { error?: string } };
  };
  const gauge = (dataPoints: unknown[], extra: Record<string, unknown> = {}) => ({
    resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeMetrics: [{ metrics: [{ name: 'q', gauge: { dataPoints }, ...extra }] }] }],
  });
  const point = (attrs = 0) => ({ timeUnixNano: '1', asDouble: 1, attributes: Array.from({ length: attrs }, (_, i) => ({ key: `k${i}`, value: { stringValue: 'v' } })) });

  it.each([
    ['a wrong token', gauge([point()]), { Authorization: 'Bearer nope-nope-nope-nope' }, 401, /token/i],
    ['bytes that are not OTLP protobuf', 'x', { 'Content-Type': 'application/x-protobuf' }, 400, /^body: not an OTLP protobuf ExportMetricsServiceRequest/],
    ['XML', '<x/>', { 'Content-Type': 'application/xml' }, 415, /send OTLP\/JSON \(Content-Type: application\/json\) or OTLP protobuf/],
    ['a missing resourceMetrics', {}, {}, 400, /^resourceMetrics: /],
    ['a string value', gauge([{ timeUnixNano: '1', asDouble: 'high' }]), {}, 400, /resourceMetrics\.0\.scopeMetrics\.0\.metrics\.0\.gauge\.dataPoints\.0\.asDouble/],
    ['a value past 1e300', gauge([{ timeUnixNano: '1', asDouble: 1e301 }]), {}, 400, /asDouble: must be within ±1e\+300/],
    ['a point without its time', gauge([{ asDouble: 1 }]), {}, 400, /dataPoints\.0\.timeUnixNano: is required: a whole number ≥ 0, or a string of at most 20 digits$/],
    ['an asInt of 23 digits', gauge([{ timeUnixNano: '1', asInt: '99999999999999999999999' }]), {}, 400, /dataPoints\.0\.asInt: must be a whole number, or a string of at most 20 digits/],
    ['six attributes', gauge([point(6)]), {}, 400, /dataPoints\.0\.attributes: at most 5 attributes per data point, got 6/],
    ['an exponential histogram', gauge([point()], { gauge: undefined, exponentialHistogram: { dataPoints: [] } }), {}, 400, /exponential histograms are not supported/],
    ['too many data points', gauge(Array.from({ length: 11 }, () => point())), {}, 413, /at most 10 data points per request/],
  ])('%s', async (_what, body, headers, status, message) => {
    const r = await post(body, headers);
    expect(r.status).toBe(status);
    expect(r.body.error).toMatch(message);
  });

  it('takes a good request with 200 and an empty response, and puts nothing of a refused one on the stream', async () => {
    expect(await post(gauge([point(1)]))).toEqual({ status: 200, body: {} });
    const snap = (await (await fetch(`${srv.url}/api/snapshot?channels=app`)).json()) as { groups: { source: string; values: Record<string, unknown> }[] };
    expect(snap.groups.filter((g) => g.source === 'svc').flatMap((g) => Object.keys(g.values))).toEqual(['q{k0=v}']);
  });
});
