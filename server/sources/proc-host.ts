import { labelValue } from '../../shared/series.js';
import type { Reading, Source } from './sampler.js';
import type { DiskUsage } from './disk-usage.js';
import type { Exporter, Family } from './exported.js';
import { hostFamilies, type HostRaw } from './host-export.js';
import {
  CPU_MODES,
  parseDiskstats,
  parseLoadavg,
  parseMeminfo,
  parseNetDev,
  parsePressure,
  parseSnmpTcp,
  parseSockstatTcp,
  parseStat,
  readProc,
  wholeDisks,
} from './proc-reader.js';

export interface ProcHostOptions {
  /** Whether an interface's series are kept (NET_EXCLUDE); default: all. */
  keepInterface?: (iface: string) => boolean;
  root?: string;
  sysBlock?: string;
  /** The clock start() stamps its first read with (default Date.now); sample() is given its time. */
  now?: () => number;
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const IDLE = CPU_MODES.indexOf('idle');
const IOWAIT = CPU_MODES.indexOf('iowait');
/** Busy share of the ticks between two reads: all but idle and iowait. */
const busy = (a: readonly number[], b: readonly number[]) => {
  const total = sum(b) - sum(a);
  return total > 0 ? (100 * (total - (b[IDLE] - a[IDLE]) - (b[IOWAIT] - a[IOWAIT]))) / total : 0;
};
const rate = (a: number, b: number, seconds: number) => (b >= a && seconds > 0 ? (b - a) / seconds : 0);

/**
 * The host channel on Linux: a few /proc reads per sample (stat, loadavg, meminfo,
 * uptime, net/dev, diskstats, net/snmp, pressure/*), rates from counter deltas.
 * The raw counters of the last read stay for /metrics (families()).
 */
export class ProcHostSource implements Source, Exporter {
  readonly channel = 'host' as const;
  readonly digits = 3;
  private prev: HostRaw | null = null;
  private readonly disks: Set<string>;
  private readonly keep: (iface: string) => boolean;
  private readonly root: string;
  private readonly psi: boolean;
  private readonly now: () => number;

  constructor(
    private readonly usage: DiskUsage | null,
    { keepInterface = () => true, root = '/proc', sysBlock = '/sys/block', now = Date.now }: ProcHostOptions = {},
  ) {
    this.now = now;
    this.keep = keepInterface;
    this.root = root;
    this.disks = wholeDisks(sysBlock);
    this.psi = pressureReadable(root);
  }

  async start(): Promise<void> {
    this.prev = this.read(this.now());
    await this.usage?.start();
  }

  stop(): void {
    this.usage?.stop();
  }

  sample(now: number): Reading[] {
    const cur = this.read(now);
    const prev = this.prev;
    this.prev = cur;
    const out: Reading[] = prev ? this.rates(prev, cur) : [];
    const [l1, l5, l15] = cur.load;
    out.push({ name: 'host.load.1', unit: '', v: l1 }, { name: 'host.load.5', unit: '', v: l5 }, { name: 'host.load.15', unit: '', v: l15 });
    const m = cur.mem;
    const total = m.MemTotal ?? 0;
    const avail = m.MemAvailable ?? m.MemFree ?? 0;
    const swapTotal = m.SwapTotal ?? 0;
    const swapUsed = swapTotal - (m.SwapFree ?? 0);
    out.push(
      { name: 'host.mem.used', unit: 'B', v: total - avail },
      { name: 'host.mem.available', unit: 'B', v: avail },
      { name: 'host.mem.percent', unit: '%', v: total ? (100 * (total - avail)) / total : 0 },
      { name: 'host.swap.used', unit: 'B', v: swapUsed },
      { name: 'host.swap.percent', unit: '%', v: swapTotal ? (100 * swapUsed) / swapTotal : 0 },
    );
    if (cur.pressure) {
      for (const r of ['cpu', 'memory', 'io'] as const) out.push({ name: `host.pressure.${r}`, unit: '%', v: cur.pressure[r].someAvg10 });
    }
    out.push(
      { name: 'host.tcp.established', unit: '', v: cur.tcp.currEstab },
      { name: 'host.procs.running', unit: '', v: cur.stat.procsRunning },
      { name: 'host.procs.blocked', unit: '', v: cur.stat.procsBlocked },
      { name: 'host.uptime', unit: 's', v: cur.uptime },
    );
    if (this.usage) out.push(...this.usage.current());
    return out;
  }

  families(): Family[] {
    return this.prev ? hostFamilies(this.prev, this.usage?.filesystems() ?? [], () => parseSockstatTcp(readProc(`${this.root}/net/sockstat`))) : [];
  }

  /** Everything that is a rate or a share of a delta. */
  private rates(prev: HostRaw, cur: HostRaw): Reading[] {
    const s = (cur.t - prev.t) / 1000;
    const a = prev.stat.total;
    const b = cur.stat.total;
    const all = sum(b) - sum(a);
    const out: Reading[] = [{ name: 'host.cpu.total', unit: '%', v: busy(a, b) }];
    for (const [n, ticks] of cur.stat.cores) {
      const p = prev.stat.cores.get(n);
      if (p) out.push({ name: 'host.cpu.core', labels: { cpu: String(n) }, unit: '%', v: busy(p, ticks) });
    }
    CPU_MODES.forEach((mode, i) => {
      if (i !== IDLE) out.push({ name: 'host.cpu.mode', labels: { mode }, unit: '%', v: all > 0 ? (100 * (b[i] - a[i])) / all : 0 });
    });
    for (const [iface, n] of cur.net) {
      const p = prev.net.get(iface);
      if (!p) continue;
      const labels = { interface: labelValue(iface) };
      out.push({ name: 'host.net.rx', labels, unit: 'B/s', v: rate(p.rx, n.rx, s) }, { name: 'host.net.tx', labels, unit: 'B/s', v: rate(p.tx, n.tx, s) });
    }
    for (const [device, d] of cur.disk) {
      const p = prev.disk.get(device);
      if (!p) continue;
      const labels = { device: labelValue(device) };
      out.push(
        { name: 'host.disk.read', labels, unit: 'B/s', v: rate(p.read, d.read, s) },
        { name: 'host.disk.write', labels, unit: 'B/s', v: rate(p.write, d.write, s) },
        { name: 'host.disk.busy', labels, unit: '%', v: Math.min(100, rate(p.ioMs, d.ioMs, s) / 10) },
      );
    }
    out.push(
      { name: 'host.tcp.retransmits', unit: '/s', v: rate(prev.tcp.retransSegs, cur.tcp.retransSegs, s) },
      { name: 'host.ctxt', unit: '/s', v: rate(prev.stat.ctxt, cur.stat.ctxt, s) },
    );
    return out;
  }

  private read(t: number): HostRaw {
    const r = this.root;
    return {
      t,
      stat: parseStat(readProc(`${r}/stat`)),
      load: parseLoadavg(readProc(`${r}/loadavg`)),
      mem: parseMeminfo(readProc(`${r}/meminfo`)),
      uptime: Number(readProc(`${r}/uptime`).split(' ')[0]),
      net: parseNetDev(readProc(`${r}/net/dev`), this.keep),
      disk: parseDiskstats(readProc(`${r}/diskstats`), this.disks),
      tcp: parseSnmpTcp(readProc(`${r}/net/snmp`)),
      pressure: this.psi
        ? {
            cpu: parsePressure(readProc(`${r}/pressure/cpu`)),
            memory: parsePressure(readProc(`${r}/pressure/memory`)),
            io: parsePressure(readProc(`${r}/pressure/io`)),
          }
        : null,
    };
  }
}

/** /proc/pressure exists from Linux 4.20, and reads fail where the kernel was booted with psi=0. */
function pressureReadable(root: string): boolean {
  try {
    readProc(`${root}/pressure/cpu`);
    return true;
  } catch {
    return false;
  }
}
