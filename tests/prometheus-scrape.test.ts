import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary } from './helpers/binary.js';
import { startVigil, type Running } from './helpers/server.js';

/*
 * A real Prometheus server (Debian's `prometheus`), started here on a free port
 * with its own config and data dir (never the packaged service), scrapes Vigil
 * every second; what it stores is read back through its HTTP API.
 */

const bin = requireBinary('prometheus', 'apt-get install -y prometheus');

let vigil: Running;
let prom: ChildProcess | null = null;
let promUrl = '';
let dir = '';
let log = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function query(q: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  expect(body.status).toBe('success');
  return body.data.result;
}

beforeAll(async () => {
  if (!bin.path) return;
  vigil = await startVigil({ source: 'scraped' });
  dir = mkdtempSync(join(tmpdir(), 'vigil-prom-'));
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: vigil\n    static_configs:\n      - targets: ['${new URL(vigil.url).host}']\n`,
  );
  prom = spawn(bin.path, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  prom.stdout!.on('data', (d) => (log += d));
  prom.stderr!.on('data', (d) => (log += d));
  const end = Date.now() + 20_000;
  while ((await fetch(`${promUrl}/-/ready`).catch(() => null))?.status !== 200) {
    if (Date.now() > end || prom.exitCode !== null) throw new Error(`prometheus did not start: ${log.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 30_000);

afterAll(async () => {
  if (prom && prom.exitCode === null) {
    const exited = new Promise((r) => prom!.once('exit', r));
    prom.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (prom.exitCode === null) prom.kill('SIGKILL');
  }
  await vigil?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!bin.path)('a real Prometheus scraping Vigil', () => {
  it('scrapes the target healthy and computes rate() of a counter', async () => {
    // Every scrape is itself a 2xx request, so the counter grows about once a second.
    await expect
      .poll(async () => (await query('rate(vigil_http_requests_total{code="2xx"}[5s])')).map((r) => Number(r.value[1])), { timeout: 20_000, interval: 500 })
      .toEqual([expect.any(Number)]);
    const [r] = await query('rate(vigil_http_requests_total{code="2xx"}[5s])');
    expect(r.metric).toMatchObject({ job: 'vigil', source: 'scraped', code: '2xx' });
    expect(Number(r.value[1])).toBeGreaterThan(0);
    const up = await query('up{job="vigil"}');
    expect(up.map((x) => x.value[1])).toEqual(['1']);
    const cpu = await query('sum by (mode) (rate(node_cpu_seconds_total{source="scraped"}[5s]))');
    expect(cpu.map((x) => x.metric.mode).sort()).toEqual(['idle', 'iowait', 'irq', 'nice', 'softirq', 'steal', 'system', 'user']);
  }, 40_000);
});
