import type { Labels } from '../../shared/series.js';
import type { FsStat } from './disk-usage.js';
import { single, type Family, type FamilySample } from './exported.js';
import { CPU_MODES, type DiskCounters, type NetCounters, type Pressure, type ProcStat } from './proc-reader.js';

/** One read of the host's raw values: what the stream's rates come from and what /metrics exports. */
export interface HostRaw {
  t: number;
  stat: ProcStat;
  load: [number, number, number];
  /** /proc/meminfo, bytes. */
  mem: Record<string, number>;
  uptime: number;
  net: Map<string, NetCounters>;
  disk: Map<string, DiskCounters>;
  tcp: { currEstab: number; retransSegs: number };
  pressure: { cpu: Pressure; memory: Pressure; io: Pressure } | null;
}

/** Linux's USER_HZ: /proc/stat counts CPU time in 1/100 s whatever the kernel's HZ. */
const USER_HZ = 100;

const fam = (name: string, type: Family['type'], help: string, samples: FamilySample[]): Family[] => (samples.length ? [{ name, type, help, samples }] : []);
const each = <T>(m: ReadonlyMap<string, T>, label: string, f: (x: T) => number): FamilySample[] =>
  [...m].map(([k, x]) => ({ labels: { [label]: k }, v: f(x) }));

/**
 * The host's raw values under node_exporter's names, units and types, so its
 * dashboards and recording rules work on Vigil as they are, except where
 * node_exporter spells a /proc field in camelCase (node_memory_MemTotal_bytes,
 * node_netstat_Tcp_CurrEstab): those are in snake_case here
 * (node_memory_mem_total_bytes), and the netstat counter is a typed counter
 * with `_total`, so `promtool check metrics` finds nothing to warn about.
 */
export function hostFamilies(raw: HostRaw, fs: readonly FsStat[], sockstat: () => { inuse: number; tw: number }): Family[] {
  const cpu: FamilySample[] = [];
  for (const [n, ticks] of raw.stat.cores) CPU_MODES.forEach((mode, i) => cpu.push({ labels: { cpu: String(n), mode }, v: ticks[i] / USER_HZ }));
  const m = raw.mem;
  const fsLabels = (s: FsStat): Labels => ({ device: s.device, fstype: s.fstype, mountpoint: s.mountpoint });
  const onFs = (f: (s: FsStat) => number) => fs.map((s) => ({ labels: fsLabels(s), v: f(s) }));
  const out: Family[] = [
    ...fam('node_cpu_seconds_total', 'counter', 'Seconds the CPUs spent in each mode.', cpu),
    ...single('node_load1', 'gauge', '1m load average.', raw.load[0]),
    ...single('node_load5', 'gauge', '5m load average.', raw.load[1]),
    ...single('node_load15', 'gauge', '15m load average.', raw.load[2]),
    ...single('node_memory_mem_total_bytes', 'gauge', 'MemTotal of /proc/meminfo in bytes (node_exporter: node_memory_MemTotal_bytes).', m.MemTotal),
    ...single('node_memory_mem_available_bytes', 'gauge', 'MemAvailable of /proc/meminfo in bytes (node_exporter: node_memory_MemAvailable_bytes).', m.MemAvailable),
    ...single('node_memory_mem_free_bytes', 'gauge', 'MemFree of /proc/meminfo in bytes (node_exporter: node_memory_MemFree_bytes).', m.MemFree),
    ...single('node_memory_swap_total_bytes', 'gauge', 'SwapTotal of /proc/meminfo in bytes (node_exporter: node_memory_SwapTotal_bytes).', m.SwapTotal),
    ...single('node_memory_swap_free_bytes', 'gauge', 'SwapFree of /proc/meminfo in bytes (node_exporter: node_memory_SwapFree_bytes).', m.SwapFree),
    ...fam('node_network_receive_bytes_total', 'counter', 'Network device statistic receive_bytes.', each(raw.net, 'device', (n) => n.rx)),
    ...fam('node_network_transmit_bytes_total', 'counter', 'Network device statistic transmit_bytes.', each(raw.net, 'device', (n) => n.tx)),
    ...fam('node_disk_read_bytes_total', 'counter', 'The total number of bytes read successfully.', each(raw.disk, 'device', (d) => d.read)),
    ...fam('node_disk_written_bytes_total', 'counter', 'The total number of bytes written successfully.', each(raw.disk, 'device', (d) => d.write)),
    ...fam('node_disk_io_time_seconds_total', 'counter', 'Total seconds spent doing I/Os.', each(raw.disk, 'device', (d) => d.ioMs / 1000)),
    ...fam('node_filesystem_size_bytes', 'gauge', 'Filesystem size in bytes.', onFs((s) => s.size)),
    ...fam('node_filesystem_free_bytes', 'gauge', 'Filesystem free space in bytes.', onFs((s) => s.free)),
    ...fam('node_filesystem_avail_bytes', 'gauge', 'Filesystem space available to non-root users in bytes.', onFs((s) => s.avail)),
    ...fam('node_filesystem_files', 'gauge', 'Filesystem total file nodes.', onFs((s) => s.files)),
    ...fam('node_filesystem_files_free', 'gauge', 'Filesystem total free file nodes.', onFs((s) => s.filesFree)),
    ...single('node_context_switches_total', 'counter', 'Total number of context switches.', raw.stat.ctxt),
    ...single('node_procs_running', 'gauge', 'Number of processes in runnable state.', raw.stat.procsRunning),
    ...single('node_procs_blocked', 'gauge', 'Number of processes blocked waiting for I/O to complete.', raw.stat.procsBlocked),
    ...single('node_boot_time_seconds', 'gauge', 'Node boot time, in unixtime.', raw.stat.btime || null),
    ...single('node_netstat_tcp_curr_estab', 'gauge', 'TCP connections in state ESTABLISHED or CLOSE-WAIT, CurrEstab of /proc/net/snmp (node_exporter: node_netstat_Tcp_CurrEstab).', raw.tcp.currEstab),
    ...single('node_netstat_tcp_retrans_segs_total', 'counter', 'TCP segments retransmitted, RetransSegs of /proc/net/snmp (node_exporter: node_netstat_Tcp_RetransSegs).', raw.tcp.retransSegs),
  ];
  const sock = sockstat();
  out.push(...single('node_sockstat_TCP_inuse', 'gauge', 'Number of TCP sockets in state inuse.', sock.inuse));
  out.push(...single('node_sockstat_TCP_tw', 'gauge', 'Number of TCP sockets in state tw.', sock.tw));
  if (raw.pressure) {
    const p = raw.pressure;
    const us = (x: number) => x / 1e6;
    out.push(
      ...single('node_pressure_cpu_waiting_seconds_total', 'counter', 'Total time in seconds that processes have waited for CPU time.', us(p.cpu.someTotal)),
      ...single('node_pressure_memory_waiting_seconds_total', 'counter', 'Total time in seconds that processes have waited for memory.', us(p.memory.someTotal)),
      ...single('node_pressure_memory_stalled_seconds_total', 'counter', 'Total time in seconds no process could make progress due to memory congestion.', us(p.memory.fullTotal ?? 0)),
      ...single('node_pressure_io_waiting_seconds_total', 'counter', 'Total time in seconds that processes have waited due to IO congestion.', us(p.io.someTotal)),
      ...single('node_pressure_io_stalled_seconds_total', 'counter', 'Total time in seconds no process could make progress due to IO congestion.', us(p.io.fullTotal ?? 0)),
    );
  }
  return out;
}
