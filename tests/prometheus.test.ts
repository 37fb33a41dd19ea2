import { register as globalRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSeries } from '../server/http/prometheus.js';
import { startVigil, type Running } from './helpers/server.js';

const TOKEN = 'ingest-secret-prom-000000';
let a: Running;
let b: Running;

beforeAll(async () => {
  a = await startVigil({ ingestToken: TOKEN, source: 'inst-a', ingestCoalesce: 0 });
  b = await startVigil({ source: 'inst-b' });
});
afterAll(async () => {
  await a.stop();
  await b.stop();
});

// One sample line of the text exposition format: name, optional labels, value
// (prom-client writes NaN as "Nan"; Prometheus parses it case-insensitively).
const SAMPLE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+-]+|[Nn]a[Nn]|[+-]Inf)( -?\d+)?$/;

async function scrape(r: Running): Promise<string> {
  const res = await fetch(r.url + '/metrics');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

describe('GET /metrics', () => {
  it('serves Vigil own process metrics and every sampled series as a vigil_ gauge with a source label', async () => {
    const text = await scrape(a);
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(SAMPLE);
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
    expect(text).toMatch(/^# TYPE vigil_host_cpu_total gauge$/m);
    expect(text).toMatch(/^vigil_host_cpu_total\{source="inst-a"\} [0-9.e+-]+$/m);
    expect(text).toMatch(/^vigil_http_requests\{source="inst-a"\} /m);
  });

  it('exports ingested metrics by their latest value', async () => {
    for (const v of [7, 42]) {
      const r = await fetch(a.url + '/api/ingest', {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ source: 'llm-1', metrics: [{ name: 'inference.tokens_per_s', value: v, unit: 'tok/s' }] }),
      });
      expect(r.status).toBe(202);
    }
    await expect.poll(() => scrape(a)).toMatch(/^vigil_inference_tokens_per_s\{source="llm-1"\} 42$/m);
    expect(await scrape(a)).toMatch(/^# HELP vigil_inference_tokens_per_s inference\.tokens_per_s \(tok\/s\), app channel, latest sample$/m);
  });

  it('keeps two instances apart and never touches the global registry', async () => {
    const [ta, tb] = await Promise.all([scrape(a), scrape(b)]);
    expect(tb).not.toContain('source="inst-a"');
    expect(tb).not.toContain('llm-1');
    expect(ta).not.toContain('source="inst-b"');
    expect(tb).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(globalRegistry.getMetricsAsArray()).toEqual([]);
  });
});

describe('renderSeries', () => {
  it('maps dots to underscores and keeps one series per source when two names map to one family', () => {
    const stat = (v: number) => ({ v, min: v, max: v, avg: v, n: 1, trend: 'stable' as const, u: '' });
    const text = renderSeries([
      { channel: 'app', source: 's1', values: { 'a.b': { ...stat(1), u: 'ms\\x' }, a_b: stat(2) } },
      { channel: 'app', source: 's2', values: { a_b: stat(3) } },
    ]);
    expect(text).toBe('# HELP vigil_a_b a.b (ms\\\\x), app channel, latest sample\n# TYPE vigil_a_b gauge\nvigil_a_b{source="s1"} 1\nvigil_a_b{source="s2"} 3\n');
  });
});
