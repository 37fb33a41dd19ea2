import os from 'node:os';
import si from 'systeminformation';
import type { HostFacts } from '../../shared/schema.js';

/**
 * Facts that do not change while Vigil runs, read once at start through
 * systeminformation (osInfo and cpu spawn tools: never in the 1 Hz loop).
 * Falls back to node:os when systeminformation cannot tell.
 */
export async function readHostFacts(source: string): Promise<HostFacts> {
  const [osInfo, cpu] = await Promise.all([si.osInfo().catch(() => null), si.cpu().catch(() => null)]);
  const cpus = os.cpus();
  return {
    source,
    hostname: osInfo?.hostname || os.hostname(),
    os: osInfo ? `${osInfo.distro} ${osInfo.release}`.trim() || os.type() : `${os.type()} ${os.release()}`,
    kernel: osInfo?.kernel || os.release(),
    arch: osInfo?.arch || os.arch(),
    cpu: cpu ? `${cpu.manufacturer} ${cpu.brand}`.trim() : (cpus[0]?.model ?? 'unknown'),
    cores: cpu?.cores || cpus.length,
    memory: os.totalmem(),
    node: process.version,
  };
}
