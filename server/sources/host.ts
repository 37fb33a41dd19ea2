import { existsSync } from 'node:fs';
import type { Source } from './sampler.js';
import { DiskUsage } from './disk-usage.js';
import { ProcHostSource } from './proc-host.js';
import { SiHostSource } from './si-host.js';

export interface HostSourceOptions {
  /** Disk usage refresh, ms; null turns disk usage off. */
  diskUsageEvery?: number | null;
  onError?: (err: unknown) => void;
}

/** /proc where Linux has it, systeminformation elsewhere. */
export function createHostSource({ diskUsageEvery = 30_000, onError }: HostSourceOptions = {}): Source {
  const usage = diskUsageEvery === null ? null : new DiskUsage(diskUsageEvery, onError);
  return existsSync('/proc/stat') ? new ProcHostSource(usage) : new SiHostSource(usage);
}
