import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TickEvent } from '../shared/schema.js';
import { nodeExporterBin, startNodeExporter, type Exporter } from './helpers/exporters.js';
import { startVigil, type Running } from './helpers/server.js';
import { SseRecorder } from './helpers/sse.js';

const SCALE = Math.max(1, Number(process.env.TEST_TIMEOUT_SCALE) || 1);

describe.skipIf(!nodeExporterBin.path)('scraping Debian prometheus-node-exporter', () => {
  let exporter: Exporter;
  let srv: Running;
  let client: SseRecorder;
  const ticks = () => client.ticks('app');
  const latest = () => Object.assign({}, ...ticks().map((t) => t.values)) as TickEvent['values'];

  beforeAll(async () => {
    exporter = await startNodeExporter();
    const match = 'node_load1|node_memory_MemTotal_bytes|node_cpu_seconds_total|node_network_receive_bytes_total|node_filesystem_avail_bytes';
    srv = await startVigil({ scrape: [`${exporter.url};name=node-1;match=${match};interval=500`] });
    client = new SseRecorder(`${srv.url}/api/stream?channels=app&sources=node-1`);
    // Rates need two scrapes; wait for the CPU rates to show.
    await client.waitFor(() => Object.keys(latest()).some((k) => k.startsWith('node_cpu_seconds{')), 20_000 * SCALE, 'CPU rates');
    // And a few more rounds, so the window's average spans seconds: on a loaded machine one
    // round's rate moves with when the exporter read /proc/stat (cpu0's modes summed 0.68 s/s).
    const withRates = () => ticks().filter((t) => Object.keys(t.values).some((k) => k.startsWith('node_cpu_seconds{'))).length;
    const seen = withRates();
    await client.waitFor(() => withRates() >= seen + 6, 20_000 * SCALE, 'six more rounds of CPU rates');
  }, 40_000 * SCALE);
  afterAll(async () => {
    client?.close();
    await srv?.stop();
    await exporter?.stop();
  });

  it('shows gauges with their values and base units', () => {
    const v = latest();
    const memTotal = Number(/MemTotal:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024;
    expect(v['node_memory_memtotal_bytes']).toMatchObject({ v: memTotal, u: 'B' });
    const load1 = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
    expect(Math.abs(v['node_load1'].v - load1)).toBeLessThan(Math.max(1, load1 * 0.5));
  });

  it('turns CPU seconds into per-second rates per cpu and mode, each between 0 and 1 s/s', () => {
    const v = latest();
    const cpuKeys = Object.keys(v).filter((k) => k.startsWith('node_cpu_seconds{'));
    expect(cpuKeys).toContain('node_cpu_seconds{cpu=0,mode=idle}');
    expect(new Set(cpuKeys.map((k) => /cpu=(\d+)/.exec(k)![1])).size).toBe(cpus().length);
    for (const k of cpuKeys) {
      expect(v[k].u).toBe('s/s');
      expect(v[k].v, k).toBeGreaterThanOrEqual(0);
      expect(v[k].avg, k).toBeLessThan(1.2);
    }
    // All modes of one CPU add up to about one second per second (over the window: one
    // scrape's rate moves with when the exporter read /proc/stat on a loaded machine).
    const cpu0 = cpuKeys.filter((k) => k.includes('cpu=0,')).reduce((s, k) => s + v[k].avg, 0);
    expect(cpu0).toBeGreaterThan(0.7);
    expect(cpu0).toBeLessThan(1.3);
  });

  it('keeps labels as labels (device, mountpoint) with legal values', () => {
    const keys = Object.keys(latest());
    // node_exporter leaves out lo; every other interface of /proc/net/dev is there.
    const ifaces = readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2).map((l) => l.split(':')[0].trim()).filter((d) => d && d !== 'lo');
    for (const d of ifaces) {
      expect(latest()[`node_network_receive_bytes{device=${d}}`]).toMatchObject({ u: 'B/s', v: expect.any(Number) });
      expect(latest()[`node_network_receive_bytes{device=${d}}`].v).toBeGreaterThanOrEqual(0);
    }
    const fs = keys.filter((k) => k.startsWith('node_filesystem_avail_bytes{'));
    expect(fs.length).toBeGreaterThan(0);
    for (const k of fs) expect(k).toMatch(/^node_filesystem_avail_bytes\{device=[^,]+,fstype=[^,]+,mountpoint=\/[^,]*\}$/);
  });
});
