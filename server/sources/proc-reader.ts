import { readFileSync, readdirSync } from 'node:fs';
import { metricWord } from './metric-name.js';

/*
 * Parsers for the /proc files the 1 Hz host loop reads. Each takes the file's
 * text so it can be tested on fixed input; readProc reads one file synchronously
 * (a /proc read is a few microseconds and an async one costs more than it saves).
 */

export function readProc(path: string): string {
  return readFileSync(path, 'latin1');
}

export interface CpuTimes {
  busy: number;
  total: number;
}

/** `cpu` and `cpuN` lines: busy = total - idle - iowait, in clock ticks. */
export function parseStat(text: string): { total: CpuTimes; cores: CpuTimes[] } {
  let total: CpuTimes = { busy: 0, total: 0 };
  const cores: CpuTimes[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('cpu')) continue;
    const parts = line.trim().split(/\s+/);
    const nums = parts.slice(1, 9).map(Number);
    const all = nums.reduce((a, b) => a + b, 0);
    const times = { busy: all - nums[3] - (nums[4] ?? 0), total: all };
    if (parts[0] === 'cpu') total = times;
    else cores.push(times);
  }
  return { total, cores };
}

export function parseLoadavg(text: string): [number, number, number] {
  const [a, b, c] = text.split(' ').map(Number);
  return [a, b, c];
}

/** Values of /proc/meminfo in bytes. */
export function parseMeminfo(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s+(\d+)(\s+kB)?/.exec(line);
    if (m) out[m[1]] = Number(m[2]) * (m[3] ? 1024 : 1);
  }
  return out;
}

/** rx/tx bytes per interface, loopback and container veths left out. */
export function parseNetDev(text: string): Map<string, { rx: number; tx: number }> {
  const out = new Map<string, { rx: number; tx: number }>();
  for (const line of text.split('\n').slice(2)) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const iface = line.slice(0, i).trim();
    if (iface === 'lo' || iface.startsWith('veth')) continue;
    const f = line.slice(i + 1).trim().split(/\s+/).map(Number);
    out.set(metricWord(iface), { rx: f[0], tx: f[8] });
  }
  return out;
}

/** Bytes read and written, summed over whole disks (not partitions, not loop or ram devices). */
export function parseDiskstats(text: string, disks: ReadonlySet<string>): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || !disks.has(f[2])) continue;
    read += Number(f[5]) * 512;
    write += Number(f[9]) * 512;
  }
  return { read, write };
}

export function wholeDisks(sysBlock = '/sys/block'): Set<string> {
  try {
    return new Set(readdirSync(sysBlock).filter((d) => !/^(loop|ram|zram|sr|fd)/.test(d)));
  } catch {
    return new Set();
  }
}
