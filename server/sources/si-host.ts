import si from 'systeminformation';
import os from 'node:os';
import type { Reading, Source } from './sampler.js';
import type { DiskUsage } from './disk-usage.js';
import { labelValue } from '../../shared/series.js';

/**
 * The host channel where /proc is absent (macOS, Windows, BSD): the same metric
 * names through systeminformation. Dearer per sample (it spawns tools), so it is
 * only the fallback.
 */
export class SiHostSource implements Source {
  readonly channel = 'host' as const;
  readonly digits = 4;

  constructor(
    private readonly usage: DiskUsage | null,
    private readonly keepInterface: (iface: string) => boolean = () => true,
  ) {}

  async start(): Promise<void> {
    await Promise.all([si.currentLoad(), si.networkStats('*'), si.disksIO().catch(() => null)]);
    await this.usage?.start();
  }

  stop(): void {
    this.usage?.stop();
  }

  async sample(): Promise<Reading[]> {
    const [load, mem, nets, io] = await Promise.all([
      si.currentLoad(),
      si.mem(),
      si.networkStats('*'),
      si.disksIO().catch(() => null),
    ]);
    const out: Reading[] = [{ name: 'host.cpu.total', unit: '%', v: load.currentLoad }];
    load.cpus.forEach((c, i) => out.push({ name: 'host.cpu.core', labels: { cpu: String(i) }, unit: '%', v: c.load }));
    const modes = { user: load.currentLoadUser, nice: load.currentLoadNice, system: load.currentLoadSystem, irq: load.currentLoadIrq, steal: load.currentLoadSteal };
    for (const [mode, v] of Object.entries(modes)) if (Number.isFinite(v)) out.push({ name: 'host.cpu.mode', labels: { mode }, unit: '%', v });
    const [l1, l5, l15] = os.loadavg();
    out.push({ name: 'host.load.1', unit: '', v: l1 }, { name: 'host.load.5', unit: '', v: l5 }, { name: 'host.load.15', unit: '', v: l15 });
    out.push(
      { name: 'host.mem.used', unit: 'B', v: mem.total - mem.available },
      { name: 'host.mem.available', unit: 'B', v: mem.available },
      { name: 'host.mem.percent', unit: '%', v: mem.total ? (100 * (mem.total - mem.available)) / mem.total : 0 },
      { name: 'host.swap.used', unit: 'B', v: mem.swapused },
      { name: 'host.swap.percent', unit: '%', v: mem.swaptotal ? (100 * mem.swapused) / mem.swaptotal : 0 },
    );
    for (const n of nets) {
      if (!this.keepInterface(n.iface) || n.rx_sec == null) continue;
      const labels = { interface: labelValue(n.iface) };
      out.push({ name: 'host.net.rx', labels, unit: 'B/s', v: n.rx_sec }, { name: 'host.net.tx', labels, unit: 'B/s', v: n.tx_sec ?? 0 });
    }
    if (io?.rIO_sec != null) {
      // disksIO counts operations; bytes per second come from fsStats where it has them (all disks together).
      const fs = await si.fsStats().catch(() => null);
      const labels = { device: 'all' };
      if (fs?.rx_sec != null) out.push({ name: 'host.disk.read', labels, unit: 'B/s', v: fs.rx_sec }, { name: 'host.disk.write', labels, unit: 'B/s', v: fs.wx_sec ?? 0 });
    }
    out.push({ name: 'host.uptime', unit: 's', v: os.uptime() });
    if (this.usage) out.push(...this.usage.current());
    return out;
  }
}
