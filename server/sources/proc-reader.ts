import { readFileSync, readdirSync } from 'node:fs';

/*
 * Parsers for the /proc files the 1 Hz host loop reads. Each takes the file's
 * text so it can be tested on fixed input; readProc reads one file synchronously
 * (a /proc read is a few microseconds and an async one costs more than it saves).
 * Values stay raw and cumulative (clock ticks, sectors, bytes): the host source
 * turns deltas into rates for the stream, and /metrics exports the raw counters.
 */

export function readProc(path: string): string {
  return readFileSync(path, 'latin1');
}

/** /proc/stat's CPU columns, in order; guest time is already inside user and nice. */
export const CPU_MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;
export type CpuMode = (typeof CPU_MODES)[number];

export interface ProcStat {
  /** Clock ticks per mode (CPU_MODES order), all CPUs. */
  total: number[];
  /** Clock ticks per mode, per CPU, by CPU number. */
  cores: Map<number, number[]>;
  ctxt: number;
  procsRunning: number;
  procsBlocked: number;
  /** Boot time, s since the epoch. */
  btime: number;
}

/** `cpu`, `cpuN`, `ctxt`, `btime`, `procs_running` and `procs_blocked` lines of /proc/stat. */
export function parseStat(text: string): ProcStat {
  const out: ProcStat = { total: [], cores: new Map(), ctxt: 0, procsRunning: 0, procsBlocked: 0, btime: 0 };
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    const key = line.slice(0, sp);
    if (key.startsWith('cpu')) {
      const f = line.slice(sp).trim().split(/\s+/);
      const ticks = CPU_MODES.map((_, i) => Number(f[i] ?? 0) || 0);
      if (key === 'cpu') out.total = ticks;
      else out.cores.set(Number(key.slice(3)), ticks);
    } else if (key === 'ctxt') out.ctxt = Number(line.slice(sp + 1));
    else if (key === 'procs_running') out.procsRunning = Number(line.slice(sp + 1));
    else if (key === 'procs_blocked') out.procsBlocked = Number(line.slice(sp + 1));
    else if (key === 'btime') out.btime = Number(line.slice(sp + 1));
  }
  return out;
}

export function parseLoadavg(text: string): [number, number, number] {
  const [a, b, c] = text.split(' ').map(Number);
  return [a, b, c];
}

/** Values of /proc/meminfo in bytes. */
export function parseMeminfo(text: string): Record<string, number> {
  const out: Record<string, number> = Object.create(null);
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s+(\d+)(\s+kB)?/.exec(line);
    if (m) out[m[1]] = Number(m[2]) * (m[3] ? 1024 : 1);
  }
  return out;
}

export interface NetCounters {
  rx: number;
  tx: number;
}

/** rx/tx bytes per interface, by its kernel name, those `keep` refuses left out. */
export function parseNetDev(text: string, keep: (iface: string) => boolean): Map<string, NetCounters> {
  const out = new Map<string, NetCounters>();
  for (const line of text.split('\n').slice(2)) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const iface = line.slice(0, i).trim();
    if (!keep(iface)) continue;
    const f = line.slice(i + 1).trim().split(/\s+/);
    out.set(iface, { rx: Number(f[0]), tx: Number(f[8]) });
  }
  return out;
}

export interface DiskCounters {
  /** Bytes read and written (sectors are 512 bytes in /proc/diskstats whatever the device's). */
  read: number;
  write: number;
  /** ms the device had IO in flight. */
  ioMs: number;
}

/** Counters of each whole disk (not partitions, not loop or ram devices). */
export function parseDiskstats(text: string, disks: ReadonlySet<string>): Map<string, DiskCounters> {
  const out = new Map<string, DiskCounters>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 13 || !disks.has(f[2])) continue;
    out.set(f[2], { read: Number(f[5]) * 512, write: Number(f[9]) * 512, ioMs: Number(f[12]) });
  }
  return out;
}

/** Block devices that are whole disks: /sys/block lists no partitions; loop, ram, zram, optical and floppy left out. */
export function wholeDisks(sysBlock = '/sys/block'): Set<string> {
  try {
    return new Set(readdirSync(sysBlock).filter((d) => !/^(loop|ram|zram|sr|fd|nbd)\d*$/.test(d)));
  } catch {
    return new Set();
  }
}

export interface Pressure {
  /** Share of time some task stalled, %, over the last 10 s. */
  someAvg10: number;
  /** Stall time, µs, cumulative: some and (memory, io) full. */
  someTotal: number;
  fullTotal: number | null;
}

/** A /proc/pressure/{cpu,memory,io} file. */
export function parsePressure(text: string): Pressure {
  const out: Pressure = { someAvg10: 0, someTotal: 0, fullTotal: null };
  for (const line of text.split('\n')) {
    const avg10 = /avg10=([\d.]+)/.exec(line);
    const total = /total=(\d+)/.exec(line);
    if (line.startsWith('some')) {
      out.someAvg10 = Number(avg10?.[1] ?? 0);
      out.someTotal = Number(total?.[1] ?? 0);
    } else if (line.startsWith('full')) out.fullTotal = Number(total?.[1] ?? 0);
  }
  return out;
}

/** `Tcp:` of /proc/net/snmp: the header line names the columns of the next. */
export function parseSnmpTcp(text: string): { currEstab: number; retransSegs: number } {
  const lines = text.split('\n').filter((l) => l.startsWith('Tcp:'));
  if (lines.length < 2) return { currEstab: 0, retransSegs: 0 };
  const names = lines[0].split(/\s+/);
  const values = lines[1].split(/\s+/).map(Number);
  const at = (n: string) => values[names.indexOf(n)] || 0;
  return { currEstab: at('CurrEstab'), retransSegs: at('RetransSegs') };
}

/** `TCP: inuse N …` of /proc/net/sockstat. */
export function parseSockstatTcp(text: string): { inuse: number; tw: number } {
  const line = text.split('\n').find((l) => l.startsWith('TCP:')) ?? '';
  const at = (n: string) => Number(new RegExp(`\\b${n} (\\d+)`).exec(line)?.[1] ?? 0);
  return { inuse: at('inuse'), tw: at('tw') };
}
