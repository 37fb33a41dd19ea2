import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { metricKey } from '../../shared/series.js';
import { globsRegExp } from './host.js';
import { ProcHostSource } from './proc-host.js';
import { realMounts, fsReadings } from './disk-usage.js';

let root: string;
let sys: string;

/** A /proc with the files the host source reads, at counter values that grow with `k`. */
function writeProc(k: number): void {
  const files: Record<string, string> = {
    stat: [
      `cpu  ${100 * k} 0 ${50 * k} ${800 * k} ${10 * k} 0 ${5 * k} 0 0 0`,
      `cpu0 ${60 * k} 0 ${30 * k} ${400 * k} ${5 * k} 0 ${5 * k} 0 0 0`,
      `cpu1 ${40 * k} 0 ${20 * k} ${400 * k} ${5 * k} 0 0 0 0 0`,
      'intr 1 2 3',
      `ctxt ${1000 * k}`,
      'btime 1700000000',
      'procs_running 3',
      'procs_blocked 1',
    ].join('\n'),
    loadavg: '0.50 0.40 0.30 1/200 999\n',
    meminfo: 'MemTotal:       1000 kB\nMemFree:         200 kB\nMemAvailable:    400 kB\nSwapTotal:       100 kB\nSwapFree:        100 kB\n',
    uptime: '1234.5 2000.0\n',
    'net/dev': [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      `    lo: ${9999 * k} 1 0 0 0 0 0 0 ${9999 * k} 1 0 0 0 0 0 0`,
      `  eth0: ${1000 * k} 1 0 0 0 0 0 0 ${500 * k} 1 0 0 0 0 0 0`,
      `veth12ab: ${77 * k} 1 0 0 0 0 0 0 ${77 * k} 1 0 0 0 0 0 0`,
    ].join('\n'),
    diskstats: [
      `   8       0 sda ${k} 0 ${8 * k} 0 ${k} 0 ${16 * k} 0 0 ${250 * k} 0 0 0 0 0 0 0`,
      `   8       1 sda1 ${k} 0 ${8 * k} 0 ${k} 0 ${16 * k} 0 0 ${250 * k} 0 0 0 0 0 0 0`,
      `   7       0 loop0 ${k} 0 ${8 * k} 0 ${k} 0 ${16 * k} 0 0 ${250 * k} 0 0 0 0 0 0 0`,
    ].join('\n'),
    'net/snmp': `Tcp: RtoAlgorithm CurrEstab RetransSegs\nTcp: 1 7 ${3 * k}\n`,
    'net/sockstat': 'sockets: used 10\nTCP: inuse 5 orphan 0 tw 2 alloc 6 mem 1\n',
    'pressure/cpu': `some avg10=1.50 avg60=1.00 avg300=0.50 total=${2_000_000 * k}\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n`,
    'pressure/memory': `some avg10=0.25 avg60=0.00 avg300=0.00 total=${1_000_000 * k}\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=${500_000 * k}\n`,
    'pressure/io': 'some avg10=3.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n',
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), text);
  }
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'vigil-proc-'));
  sys = mkdtempSync(join(tmpdir(), 'vigil-sys-'));
  for (const d of ['sda', 'loop0', 'zram0']) mkdirSync(join(sys, d));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(sys, { recursive: true, force: true });
});

async function twoSamples() {
  const excluded = globsRegExp(['lo', 'veth*']);
  writeProc(1);
  // A clock of the test's own: the two reads are exactly one second apart, however slow the machine.
  const t0 = 1_000_000;
  const src = new ProcHostSource(null, { root, sysBlock: sys, keepInterface: (i) => !excluded.test(i), now: () => t0 });
  await src.start();
  writeProc(2);
  const readings = src.sample(t0 + 1000);
  return { src, values: new Map(readings.map((r) => [metricKey(r.name, r.labels), r])) };
}

describe('the /proc host source', () => {
  it('labels per-instance series (cpu, mode, interface, device) and leaves excluded interfaces and partitions out', async () => {
    const { values } = await twoSamples();
    const keys = [...values.keys()];
    expect(keys).toEqual(expect.arrayContaining(['host.cpu.core{cpu=0}', 'host.cpu.core{cpu=1}', 'host.net.rx{interface=eth0}', 'host.disk.read{device=sda}', 'host.disk.busy{device=sda}']));
    expect(keys.filter((k) => k.startsWith('host.cpu.mode'))).toEqual(['user', 'nice', 'system', 'iowait', 'irq', 'softirq', 'steal'].map((m) => `host.cpu.mode{mode=${m}}`));
    expect(keys.some((k) => /interface=(lo|veth)|device=(sda1|loop0)/.test(k))).toBe(false);
  });

  it('turns counter deltas into rates and shares', async () => {
    const { values } = await twoSamples();
    const v = (k: string) => values.get(k)?.v;
    // Exactly one second between the reads (the test's clock), so rates are exact.
    const near = (k: string, x: number) => expect(v(k)).toBeCloseTo(x, 9);
    // One second: 965 ticks, of which 100 user, 50 system, 800 idle, 10 iowait, 5 softirq.
    expect(v('host.cpu.mode{mode=user}')).toBeCloseTo((100 * 100) / 965, 6);
    expect(v('host.cpu.total')).toBeCloseTo((100 * 155) / 965, 6);
    near('host.net.rx{interface=eth0}', 1000);
    near('host.disk.read{device=sda}', 8 * 512);
    near('host.disk.busy{device=sda}', 25);
    near('host.ctxt', 1000);
    near('host.tcp.retransmits', 3);
    expect(v('host.tcp.established')).toBe(7);
    expect(v('host.procs.running')).toBe(3);
    expect(v('host.procs.blocked')).toBe(1);
    expect(v('host.pressure.cpu')).toBe(1.5);
    expect(v('host.pressure.io')).toBe(3);
    expect(v('host.mem.percent')).toBeCloseTo(60, 6);
  });

  it('exports the raw counters under node_exporter names in base units', async () => {
    const { src } = await twoSamples();
    const f = new Map(src.families().map((x) => [x.name, x]));
    expect(f.get('node_cpu_seconds_total')).toMatchObject({ type: 'counter' });
    expect(f.get('node_cpu_seconds_total')!.samples).toContainEqual({ labels: { cpu: '0', mode: 'user' }, v: 1.2 });
    expect(f.get('node_network_receive_bytes_total')!.samples).toEqual([{ labels: { device: 'eth0' }, v: 2000 }]);
    expect(f.get('node_disk_io_time_seconds_total')!.samples).toEqual([{ labels: { device: 'sda' }, v: 0.5 }]);
    expect(f.get('node_pressure_memory_stalled_seconds_total')!.samples).toEqual([{ v: 1 }]);
    expect(f.get('node_memory_mem_available_bytes')!.samples).toEqual([{ v: 400 * 1024 }]);
    expect(f.get('node_context_switches_total')!.samples).toEqual([{ v: 2000 }]);
    expect(f.get('node_sockstat_TCP_inuse')!.samples).toEqual([{ v: 5 }]);
  });
});

describe('filesystems', () => {
  it('keeps one mount per real device and no pseudo, memory or container filesystem', () => {
    const mounts = [
      'proc /proc proc rw 0 0',
      '/dev/vda / ext4 rw 0 0',
      'tmpfs /tmp tmpfs rw 0 0',
      'overlay /var/lib/docker/overlay2/x/merged overlay rw 0 0',
      '/dev/vda /etc/hosts ext4 rw 0 0',
      '/dev/vdb1 /srv/my\\040data xfs rw 0 0',
      '/dev/loop3 /snap/core/1 squashfs ro 0 0',
    ].join('\n');
    expect(realMounts(mounts)).toEqual([
      { device: '/dev/vda', mountpoint: '/', fstype: 'ext4' },
      { device: '/dev/vdb1', mountpoint: '/srv/my data', fstype: 'xfs' },
    ]);
  });

  it('reports space used as df does, free space and inodes used, labelled by a legal mountpoint', () => {
    const r = fsReadings([{ mountpoint: '/srv/my data', device: 'd', fstype: 'xfs', size: 1000, free: 300, avail: 200, files: 10, filesFree: 4 }]);
    expect(r.map((x) => [metricKey(x.name, x.labels), x.v])).toEqual([
      ['host.fs.percent{mountpoint=/srv/my_data}', (100 * 700) / 900],
      ['host.fs.free{mountpoint=/srv/my_data}', 200],
      ['host.fs.inodes_percent{mountpoint=/srv/my_data}', 60],
    ]);
  });
});
