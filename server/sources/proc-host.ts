import type { Reading, Source } from './sampler.js';
import type { DiskUsage } from './disk-usage.js';
import {
  parseDiskstats,
  parseLoadavg,
  parseMeminfo,
  parseNetDev,
  parseStat,
  readProc,
  wholeDisks,
  type CpuTimes,
} from './proc-reader.js';

interface Counters {
  t: number;
  cpu: { total: CpuTimes; cores: CpuTimes[] };
  net: Map<string, { rx: number; tx: number }>;
  disk: { read: number; write: number };
}

const pct = (a: CpuTimes, b: CpuTimes) => (b.total > a.total ? (100 * (b.busy - a.busy)) / (b.total - a.total) : 0);
const rate = (a: number, b: number, seconds: number) => (b >= a && seconds > 0 ? (b - a) / seconds : 0);

/** The host channel on Linux: six /proc reads per sample, rates from counter deltas. */
export class ProcHostSource implements Source {
  readonly channel = 'host' as const;
  readonly digits = 4;
  private prev: Counters | null = null;
  private readonly disks = wholeDisks();

  constructor(
    private readonly usage: DiskUsage | null,
    private readonly root = '/proc',
  ) {}

  async start(): Promise<void> {
    this.prev = this.counters(Date.now());
    await this.usage?.start();
  }

  stop(): void {
    this.usage?.stop();
  }

  sample(now: number): Reading[] {
    const cur = this.counters(now);
    const prev = this.prev;
    this.prev = cur;
    const out: Reading[] = [];
    if (prev) {
      const s = (cur.t - prev.t) / 1000;
      out.push({ name: 'host.cpu.total', unit: '%', v: pct(prev.cpu.total, cur.cpu.total) });
      cur.cpu.cores.forEach((c, i) => {
        if (prev.cpu.cores[i]) out.push({ name: `host.cpu.core${i}`, unit: '%', v: pct(prev.cpu.cores[i], c) });
      });
      for (const [iface, n] of cur.net) {
        const p = prev.net.get(iface);
        if (!p) continue;
        out.push({ name: `host.net.${iface}.rx`, unit: 'B/s', v: rate(p.rx, n.rx, s) });
        out.push({ name: `host.net.${iface}.tx`, unit: 'B/s', v: rate(p.tx, n.tx, s) });
      }
      out.push({ name: 'host.disk.read', unit: 'B/s', v: rate(prev.disk.read, cur.disk.read, s) });
      out.push({ name: 'host.disk.write', unit: 'B/s', v: rate(prev.disk.write, cur.disk.write, s) });
    }
    const [l1, l5, l15] = parseLoadavg(readProc(`${this.root}/loadavg`));
    out.push({ name: 'host.load.1', unit: '', v: l1 }, { name: 'host.load.5', unit: '', v: l5 }, { name: 'host.load.15', unit: '', v: l15 });
    const m = parseMeminfo(readProc(`${this.root}/meminfo`));
    const total = m.MemTotal ?? 0;
    const avail = m.MemAvailable ?? m.MemFree ?? 0;
    out.push(
      { name: 'host.mem.used', unit: 'B', v: total - avail },
      { name: 'host.mem.available', unit: 'B', v: avail },
      { name: 'host.mem.percent', unit: '%', v: total ? (100 * (total - avail)) / total : 0 },
    );
    const swapTotal = m.SwapTotal ?? 0;
    const swapUsed = swapTotal - (m.SwapFree ?? 0);
    out.push(
      { name: 'host.swap.used', unit: 'B', v: swapUsed },
      { name: 'host.swap.percent', unit: '%', v: swapTotal ? (100 * swapUsed) / swapTotal : 0 },
    );
    out.push({ name: 'host.uptime', unit: 's', v: Number(readProc(`${this.root}/uptime`).split(' ')[0]) });
    if (this.usage) out.push(...this.usage.current());
    return out;
  }

  private counters(t: number): Counters {
    return {
      t,
      cpu: parseStat(readProc(`${this.root}/stat`)),
      net: parseNetDev(readProc(`${this.root}/net/dev`)),
      disk: parseDiskstats(readProc(`${this.root}/diskstats`), this.disks),
    };
  }
}
