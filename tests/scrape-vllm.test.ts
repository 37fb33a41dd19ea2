import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDashboards } from '../shared/dashboards.js';
import { DEFAULT_DASHBOARDS } from '../shared/default-dashboards.js';
import { metricKey } from '../shared/series.js';
import { DashboardMatcher } from '../shared/tile-match.js';
import { python, startVllmFixture, type Exporter } from './helpers/exporters.js';
import { capturedLogger } from './helpers/log-capture.js';
import { startVigil, type Running } from './helpers/server.js';
import { SseRecorder } from './helpers/sse.js';
import { until } from './helpers/until.js';

const SCALE = Math.max(1, Number(process.env.TEST_TIMEOUT_SCALE) || 1);
const MODEL = { model_name: 'meta-llama/Llama-3.1-8B-Instruct' };
const key = (name: string) => metricKey(name, MODEL);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe.skipIf(!python.path)('scraping a vLLM server (tests/fixtures/vllm_fixture.py)', () => {
  let fixture: Exporter;
  let srv: Running;
  let client: SseRecorder;
  const log = capturedLogger();
  const ticks = () => client.ticks('app');
  const values = (name: string) => ticks().map((t) => t.values[key(name)]?.v).filter((v): v is number => v !== undefined);

  beforeAll(async () => {
    // 400 generated and 1,200 prompt tokens/s, 20 requests/s: 9 in 10 take 0.7 s, one 2.2 s; TTFT 45 ms.
    fixture = await startVllmFixture(['--gen-rate', '400', '--prompt-rate', '1200', '--req-rate', '20']);
    srv = await startVigil({ scrape: [`${fixture.url};name=llm-1;match=vllm:*;interval=1000`], logLevel: 'info' }, { logger: log.logger });
    client = new SseRecorder(`${srv.url}/api/stream?channels=app&sources=llm-1`);
  }, 30_000 * SCALE);
  afterAll(async () => {
    client?.close();
    await srv?.stop();
    await fixture?.stop();
  });

  it('shows the generation-token rate within 5 % of the driven one, in tokens per second', async () => {
    await client.waitFor(() => values('vllm.generation_tokens').length >= 8, 20_000 * SCALE, '8 ticks with the generation rate');
    const gen = values('vllm.generation_tokens').slice(-7);
    expect(Math.abs(median(gen) / 400 - 1)).toBeLessThan(0.05);
    expect(Math.abs(median(values('vllm.prompt_tokens').slice(-7)) / 1200 - 1)).toBeLessThan(0.05);
    expect(ticks().at(-1)!.values[key('vllm.generation_tokens')].u).toBe('/s');
  }, 30_000 * SCALE);

  it('puts p50, p95 and p99 latency in the buckets that hold them, and the request rate', async () => {
    await client.waitFor(() => values('vllm.e2e_request_latency_seconds.p95').length >= 6, 20_000 * SCALE, 'e2e p95');
    const last = ticks().filter((t) => t.values[key('vllm.e2e_request_latency_seconds.p95')]).at(-1)!.values;
    // 90 % of requests take 0.7 s (bucket 0.5-0.8), 10 % take 2.2 s (bucket 2-2.5).
    expect(last[key('vllm.e2e_request_latency_seconds.p50')].v).toBeGreaterThan(0.5);
    expect(last[key('vllm.e2e_request_latency_seconds.p50')].v).toBeLessThanOrEqual(0.8);
    for (const q of ['p95', 'p99']) {
      const v = last[key(`vllm.e2e_request_latency_seconds.${q}`)].v;
      expect(v, q).toBeGreaterThan(2);
      expect(v, q).toBeLessThanOrEqual(2.5);
    }
    expect(last[key('vllm.e2e_request_latency_seconds.p95')].u).toBe('s');
    const ttft = last[key('vllm.time_to_first_token_seconds.p95')].v;
    expect(ttft).toBeGreaterThan(0.04);
    expect(ttft).toBeLessThanOrEqual(0.06);
    expect(Math.abs(median(values('vllm.e2e_request_latency_seconds.rate').slice(-7)) / 20 - 1)).toBeLessThan(0.1);
  }, 30_000 * SCALE);

  it('passes gauges through as they are, with the model as a label', () => {
    const last = ticks().at(-1)!.values;
    expect(last[key('vllm.num_requests_running')].v).toBe(3);
    expect(last[key('vllm.num_requests_waiting')].v).toBe(1);
    expect(last[key('vllm.gpu_cache_usage_perc')].v).toBe(0.42);
    // No _created series, nothing outside match=vllm:* (python_gc_*, process_*).
    const names = new Set(ticks().flatMap((t) => Object.keys(t.values)));
    expect([...names].filter((k) => k.includes('created') || !k.startsWith('vllm.'))).toEqual([]);
  });

  it('fills every tile of the built-in inference dashboard', () => {
    expect(parseDashboards(DEFAULT_DASHBOARDS).ok).toBe(true);
    const m = new DashboardMatcher(DEFAULT_DASHBOARDS.dashboards.inference);
    const filled = new Set(ticks().flatMap((t) => Object.keys(t.values).map((k) => m.place(k, 'llm-1'))).filter((p) => p !== null).map((p) => `${p.section}.${p.tile}`));
    const tiles = m.dashboard.sections.flatMap((s, i) => s.tiles.map((t, j) => ({ at: `${i}.${j}`, metric: t.metric })));
    expect(tiles.filter((t) => !filled.has(t.at)).map((t) => t.metric)).toEqual([]);
  });

  it('stops publishing the target once it is gone and logs each change of state once', async () => {
    await fixture.stop();
    const changes = () =>
      log.lines
        .map((l) => JSON.parse(l) as { msg: string; target?: string; problem?: string })
        .filter((l) => l.target === 'llm-1' && l.msg.startsWith('scrape target'));
    // Refused, or reset if a scrape was in flight as the fixture went.
    await until(() => /unreachable|read failed/.test(changes().at(-1)?.problem ?? ''), 'the down line', 10_000 * SCALE);
    const n = client.of('app').length;
    const logged = changes().length;
    await new Promise((r) => setTimeout(r, 2500)); // two more rounds, each failing
    expect(client.of('app').length).toBe(n);
    expect(changes()).toHaveLength(logged);
    // Up, then down; on a loaded machine a slow scrape may have timed out (down) and
    // come back up before: the lines alternate all the same, one per change, never one per round.
    const states = changes().map((l) => (l.msg.includes('down') ? 'down' : 'up'));
    expect(states).toContain('up');
    states.slice(1).forEach((s, i) => expect(s).not.toBe(states[i]));
    expect(states.at(-1)).toBe('down');
  }, 30_000 * SCALE);
});
