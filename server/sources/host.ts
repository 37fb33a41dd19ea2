import { existsSync } from 'node:fs';
import type { Source } from './sampler.js';
import { DiskUsage } from './disk-usage.js';
import { ProcHostSource } from './proc-host.js';
import { SiHostSource } from './si-host.js';

export interface HostSourceOptions {
  /** Disk usage refresh, ms; null turns disk usage off. */
  diskUsageEvery?: number | null;
  onError?: (err: unknown) => void;
  /** Interfaces left out, as globs (`veth*`); NET_EXCLUDE. */
  netExclude?: readonly string[];
}

/** /proc where Linux has it, systeminformation elsewhere. */
export function createHostSource({ diskUsageEvery = 30_000, onError, netExclude = [] }: HostSourceOptions = {}): Source {
  const usage = diskUsageEvery === null ? null : new DiskUsage(diskUsageEvery, onError);
  const excluded = globsRegExp(netExclude);
  const keepInterface = (iface: string) => !excluded.test(iface);
  return existsSync('/proc/stat') ? new ProcHostSource(usage, { keepInterface }) : new SiHostSource(usage, keepInterface);
}

/** One RegExp for shell-style globs (`*`, `?`); no glob matches nothing. */
export function globsRegExp(globs: readonly string[]): RegExp {
  if (!globs.length) return /(?!)/;
  const one = (g: string) => g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^(?:${globs.map(one).join('|')})$`);
}
