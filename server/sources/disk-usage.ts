import { existsSync, promises as fsp } from 'node:fs';
import si from 'systeminformation';
import { labelValue } from '../../shared/series.js';
import type { Reading } from './sampler.js';
import { readProc } from './proc-reader.js';

/** Filesystems that hold no user data: kernel interfaces, memory, container layers, read-only images. */
const PSEUDO = new Set(
  'autofs binfmt_misc bpf cgroup cgroup2 configfs debugfs devpts devtmpfs efivarfs fusectl hugetlbfs mqueue nsfs overlay aufs proc pstore ramfs rpc_pipefs securityfs selinuxfs squashfs sysfs tmpfs tracefs fuse.lxcfs fuse.gvfsd-fuse fuse.portal nfsd iso9660 zram'.split(' '),
);
const SKIP_MOUNTS = /^\/(proc|sys|dev|run)(\/|$)|^\/var\/lib\/(docker|containers|kubelet)\/|^\/snap\//;
const MAX_MOUNTS = 32;

/** One real filesystem as statfs saw it. */
export interface FsStat {
  mountpoint: string;
  device: string;
  fstype: string;
  size: number;
  /** Bytes free, including those reserved for root. */
  free: number;
  /** Bytes available to unprivileged users (df's Avail). */
  avail: number;
  files: number;
  filesFree: number;
}

/** Real filesystems of a /proc/self/mounts text: one mount per device (the first, so `/` before bind mounts of it). */
export function realMounts(text: string): Array<{ device: string; mountpoint: string; fstype: string }> {
  const seen = new Set<string>();
  const out: Array<{ device: string; mountpoint: string; fstype: string }> = [];
  for (const line of text.split('\n')) {
    const [device, rawMount, fstype] = line.split(' ');
    if (!fstype || PSEUDO.has(fstype) || seen.has(device)) continue;
    // Spaces and the like are octal escapes (\040) in /proc/mounts.
    const mountpoint = rawMount.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (SKIP_MOUNTS.test(mountpoint)) continue;
    seen.add(device);
    out.push({ device, mountpoint, fstype });
    if (out.length === MAX_MOUNTS) break;
  }
  return out;
}

/** The host channel's filesystem series of some statfs results. */
export function fsReadings(stats: readonly FsStat[]): Reading[] {
  const out: Reading[] = [];
  for (const s of stats) {
    const labels = { mountpoint: labelValue(s.mountpoint) };
    // df's Use%: used over what users could have (used + available), not over the raw size.
    const used = s.size - s.free;
    const usable = used + s.avail;
    out.push(
      { name: 'host.fs.percent', labels, unit: '%', v: usable > 0 ? (100 * used) / usable : 0 },
      { name: 'host.fs.free', labels, unit: 'B', v: s.avail },
    );
    if (s.files > 0) out.push({ name: 'host.fs.inodes_percent', labels, unit: '%', v: (100 * (s.files - s.filesFree)) / s.files });
  }
  return out;
}

/**
 * Space and inodes of every real filesystem, refreshed on a slow cadence; the
 * host source adds the last known values to every tick. On Linux, mounts come
 * from /proc/self/mounts and sizes from statfs (asynchronous: a hung network
 * mount ties up one libuv thread, never the event loop, and a refresh still
 * running is not started again). Elsewhere systeminformation's fsSize (`df`).
 */
export class DiskUsage {
  private stats: FsStat[] = [];
  private readings: Reading[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly every = 30_000,
    private readonly onError: (err: unknown) => void = () => {},
    private readonly mounts = '/proc/self/mounts',
  ) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.every);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  current(): Reading[] {
    return this.readings;
  }

  /** The last statfs results (for /metrics). */
  filesystems(): readonly FsStat[] {
    return this.stats;
  }

  private async refresh(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      this.stats = existsSync(this.mounts) ? await this.statfsAll() : await fsSizeStats();
      this.readings = fsReadings(this.stats);
    } catch (err) {
      this.onError(err);
    } finally {
      this.running = false;
    }
  }

  private async statfsAll(): Promise<FsStat[]> {
    const found = await Promise.all(
      realMounts(readProc(this.mounts)).map(async (m) => {
        try {
          const s = await fsp.statfs(m.mountpoint);
          if (s.blocks === 0) return null;
          return { ...m, size: s.blocks * s.bsize, free: s.bfree * s.bsize, avail: s.bavail * s.bsize, files: s.files, filesFree: s.ffree };
        } catch {
          return null; // unmounted meanwhile, or not ours to read
        }
      }),
    );
    return found.filter((s): s is FsStat => s !== null);
  }
}

async function fsSizeStats(): Promise<FsStat[]> {
  const seen = new Set<string>();
  const out: FsStat[] = [];
  for (const fs of await si.fsSize()) {
    if (!fs.mount || fs.size <= 0 || SKIP_MOUNTS.test(fs.mount) || seen.has(fs.mount)) continue;
    seen.add(fs.mount);
    out.push({ mountpoint: fs.mount, device: fs.fs, fstype: fs.type, size: fs.size, free: fs.available, avail: fs.available, files: 0, filesFree: 0 });
  }
  return out.slice(0, MAX_MOUNTS);
}
