import { spawn } from 'node:child_process';
import { register as globalRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPushed } from '../server/http/prometheus.js';
import { requireBinary } from './helpers/binary.js';
import { startVigil, type Running } from './helpers/server.js';

const TOKEN = 'ingest-secret-prom-000000';
const promtool = requireBinary('promtool', 'apt-get install -y prometheus');
let a: Running;
let b: Running;

beforeAll(async () => {
  a = await startVigil({ ingestToken: TOKEN, source: 'inst-a', ingestCoalesce: 0, ingestRate: 0, diskUsageInterval: 30_000 });
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

async function push(r: Running, source: string, metrics: unknown[]) {
  const res = await fetch(r.url + '/api/ingest', {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ source, metrics }),
  });
  return { status: res.status, error: res.status >= 400 ? ((await res.json()) as { error: string }).error : '' };
}

/** TYPE of each family in a scrape. */
const types = (text: string) => new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));

describe('GET /metrics', () => {
  it('exports host counters as node_exporter counters in base units, labelled by cpu, mode and source', async () => {
    const text = await scrape(a);
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(SAMPLE);
    const t = types(text);
    expect(t.get('node_cpu_seconds_total')).toBe('counter');
    expect(text).toMatch(/^node_cpu_seconds_total\{source="inst-a",cpu="0",mode="user"\} \d+(\.\d+)?$/m);
    expect(t.get('node_context_switches_total')).toBe('counter');
    expect(t.get('node_load1')).toBe('gauge');
    expect(t.get('node_memory_mem_available_bytes')).toBe('gauge');
    expect(text).toMatch(/^node_filesystem_avail_bytes\{source="inst-a",device="[^"]+",fstype="[^"]+",mountpoint="\/"\} \d+$/m);
    expect(t.get('vigil_http_requests_total')).toBe('counter');
    expect(t.get('vigil_http_request_duration_seconds')).toBe('summary');
    expect(t.get('vigil_stream_events_sent_total')).toBe('counter');
  });

  it('keeps window stats, per-second rates and what prom-client already exports off /metrics', async () => {
    const text = await scrape(a);
    expect(text).toMatch(/^process_resident_memory_bytes \d/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
    for (const gone of ['vigil_host_', 'vigil_process_', 'vigil_http_requests{', 'vigil_http_latency', '_per_s{source="inst-a"']) expect(text).not.toContain(gone);
    // A gauge named _total would be a rate pretending to be a counter.
    for (const [name, type] of types(text)) if (name.endsWith('_total')) expect([name, type]).toEqual([name, 'counter']);
  });

  it('counts requests from their raw total, not a one-second rate', async () => {
    const count = async () => Number(/^vigil_http_requests_total\{source="inst-a",code="2xx"\} (\d+)$/m.exec(await scrape(a))![1]);
    const before = await count();
    for (let i = 0; i < 5; i++) await (await fetch(a.url + '/healthz')).text();
    // The scrape that reads the count is counted after it answers; the five and the first scrape are in.
    expect(await count()).toBe(before + 6);
  });

  it('exports a pushed metric by its latest value under its own name, with its labels and unit', async () => {
    for (const v of [7, 42]) expect((await push(a, 'llm-1', [{ name: 'inference.tokens_per_s', value: v, unit: 'tok/s', labels: { model: 'llama-3-8b' } }])).status).toBe(202);
    const text = await scrape(a);
    expect(text).toMatch(/^inference_tokens_per_s\{source="llm-1",model="llama-3-8b"\} 42$/m);
    expect(text).toMatch(/^# HELP inference_tokens_per_s inference\.tokens_per_s, pushed to Vigil, latest value \(unit: tok\/s\)$/m);
  });

  it('names every unit in HELP when sources push one name in different units', async () => {
    expect((await push(a, 'llm-1', [{ name: 'inference.wait', value: 250, unit: 'ms' }])).status).toBe(202);
    expect((await push(a, 'llm-2', [{ name: 'inference.wait', value: 0.25, unit: 's' }])).status).toBe(202);
    expect(await scrape(a)).toMatch(/^# HELP inference_wait inference\.wait, pushed to Vigil, latest value \(units: ms from llm-1; s from llm-2\)$/m);
  });

  it.each([
    ['queue.depth then queue_depth', [{ name: 'queue.depth', value: 1 }], [{ name: 'queue_depth', value: 2 }], /"queue_depth" and "queue\.depth" would both be queue_depth in \/metrics/],
    ['one request with both', [], [{ name: 'jobs.open', value: 1 }, { name: 'jobs_open', value: 2 }], /"jobs_open" and "jobs\.open" would both be jobs_open/],
    ['a host-like name', [], [{ name: 'host_cpu.total', value: 1 }], /"host_cpu\.total" would be host_cpu_total in \/metrics, which is Vigil's own/],
    ['a node_exporter name', [], [{ name: 'node.load1', value: 1 }], /"node\.load1" would be node_load1/],
  ])('refuses a name that collides in /metrics with a 409 naming both: %s', async (_what, first, second, message) => {
    if (first.length) expect((await push(a, 'src-1', first)).status).toBe(202);
    const r = await push(a, 'src-2', second);
    expect(r.status).toBe(409);
    expect(r.error).toMatch(message);
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

describe('pushed series in /metrics', () => {
  it('leave once stale: no sample within the window', async () => {
    const s = await startVigil({ ingestToken: TOKEN, source: 'stale', ingestCoalesce: 0, window: 1000 });
    try {
      expect((await push(s, 'p', [{ name: 'batch.size', value: 3 }])).status).toBe(202);
      expect(await scrape(s)).toMatch(/^batch_size\{source="p"\} 3$/m);
      await expect.poll(() => scrape(s), { timeout: 5000, interval: 200 }).not.toContain('batch_size');
    } finally {
      await s.stop();
    }
  });

  it('renders no gauge for a group that is not the app channel', () => {
    const stat = { v: 1, min: 1, max: 1, avg: 1, n: 1, trend: 'stable' as const, u: '' };
    expect(renderPushed([{ channel: 'host', source: 'x', values: { 'host.cpu.total': stat }, updated: { 'host.cpu.total': 1 } }], 0)).toBe('');
  });

  it('leaves out app series with a reserved name (a scraped node_exporter) rather than clash with Vigil\'s own', () => {
    const stat = { v: 1, min: 1, max: 1, avg: 1, n: 1, trend: 'stable' as const, u: '' };
    const text = renderPushed([{ channel: 'app', source: 'x', values: { 'node.load1': stat, 'vllm.num_requests_running': stat }, updated: { 'node.load1': 1, 'vllm.num_requests_running': 1 } }], 0);
    expect(text).not.toContain('node_load1');
    expect(text).toContain('vllm_num_requests_running{source="x"} 1');
  });
});

describe.skipIf(!promtool.path)('promtool check metrics', () => {
  it('finds nothing to warn about in a real scrape with host, process, http and pushed series', async () => {
    // Its own instance: pushed names are the producer's, and this one pushes names after the naming guide.
    const s = await startVigil({ ingestToken: TOKEN, source: 'lint', ingestCoalesce: 0, diskUsageInterval: 30_000 });
    let text: string;
    try {
      await fetch(s.url + '/api/snapshot');
      const metrics = [
        { name: 'inference.queue.depth', value: 3, labels: { model: 'llama-3-8b', state: 'running' } },
        { name: 'inference.latency.seconds', value: 0.000123, unit: 's' },
        { name: 'gpu.memory.used_bytes', value: 2.5e10, unit: 'B', labels: { gpu: '0' } },
      ];
      expect((await push(s, 'llm-1', metrics)).status).toBe(202);
      text = await scrape(s);
    } finally {
      await s.stop();
    }
    expect(text).toContain('inference_queue_depth{');
    expect(text).toContain('vigil_http_request_duration_seconds_count{');
    // The host families, with the names node_exporter spells in camelCase in snake_case.
    expect(text).toMatch(/^node_memory_mem_available_bytes\{source="lint"\} \d/m);
    expect(text).toMatch(/^node_netstat_tcp_retrans_segs_total\{source="lint"\} \d/m);
    expect(text).toContain('node_cpu_seconds_total{');
    const out = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const p = spawn(promtool.path!, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let output = '';
      p.stdout.on('data', (d) => (output += d));
      p.stderr.on('data', (d) => (output += d));
      p.on('close', (code) => resolve({ code, output }));
      p.stdin.end(text);
    });
    // promtool exits 3 on lint findings and 1 on a parse error: no warning of any kind passes.
    expect(out.output.trim()).toBe('');
    expect(out.code).toBe(0);
  });
});
