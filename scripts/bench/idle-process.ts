import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { VIGIL_NODE_FLAGS } from './targets.js';

/**
 * The tree of `rev` (server/ and shared/) in a folder inside the repo, so its
 * imports resolve to this node_modules; remove() deletes it.
 */
export function extractBaseline(root: string, rev: string): { dir: string; remove(): void } {
  const dir = join(root, `.bench-baseline-${rev}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const tar = execFileSync('git', ['archive', '--format=tar', rev, 'server', 'shared'], { cwd: root, maxBuffer: 64 << 20 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** CPU time of one process (not its children), ms, from /proc/<pid>/stat. */
function statCpuMs(path: string): number {
  const f = readFileSync(path, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // utime, stime in USER_HZ (100) ticks
}

/** The whole process's CPU (every thread), ms. */
function processCpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/stat`);
}

/** Its main thread's alone (the JavaScript; the rest is V8's and libuv's worker threads), ms. */
function mainThreadCpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/task/${pid}/stat`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

interface Measured {
  name: string;
  proc: ChildProcess;
  /** Series it collects, read once it has settled. */
  series: () => Promise<number>;
  seriesNote: string;
}

async function startVigil(root: string, flags: readonly string[] = VIGIL_NODE_FLAGS): Promise<Measured> {
  // Each its own data dir, as every user has: two processes rewriting one state file measure nothing real.
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-idle-'));
  const proc = spawn(process.execPath, [...flags, 'dist/server/main.js', '--port', '0', '--log-level', 'silent', '--source', 'bench', '--data-dir', dataDir], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  proc.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /serving (http:\/\/[^/\s]+)\//.exec(out);
      if (m) resolve(m[1]);
    });
    proc.once('exit', (code) => reject(new Error(`vigil exited ${code}: ${out} (run npm run build:server first)`)));
  });
  const series = async () => {
    const body = (await (await fetch(`${url}/api/channels`)).json()) as { channels: Array<{ metrics: number }> };
    return body.channels.reduce((n, c) => n + c.metrics, 0);
  };
  return { name: `Vigil (node ${[...flags, ''].join(' ')}dist/server/main.js, defaults, no clients)`, proc, series, seriesNote: 'series (api/channels)' };
}

async function startNetdata(): Promise<Measured | null> {
  const bin = ['/usr/sbin/netdata', '/usr/bin/netdata'].find((p) => existsSync(p));
  if (!bin) return null;
  const port = await freePort();
  const proc = spawn(bin, ['-D', '-p', String(port)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  const series = async () => {
    const body = (await (await fetch(`${url}/api/v1/charts`)).json()) as { charts: Record<string, { dimensions: Record<string, unknown> }> };
    return Object.values(body.charts).reduce((n, c) => n + Object.keys(c.dimensions).length, 0);
  };
  return { name: `Netdata main process (${bin} -D, Debian's defaults)`, proc, series, seriesNote: 'dimensions (api/v1/charts)' };
}

function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGTERM');
  const timer = setTimeout(() => p.kill('SIGKILL'), 10_000);
  return exited.finally(() => clearTimeout(timer));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Idle Vigil against Netdata's main process over the same seconds, `rounds` times; prints a table. */
export async function idleComparison(root: string, seconds: number, rounds: number, extraFlags: readonly string[][] = []): Promise<void> {
  // Past Vigil's first WINDOW (60 s), while its windows and history rings still grow, and Netdata's plugin start-up.
  const warmup = 70;
  // Vigil as it ships (VIGIL_NODE_FLAGS: a 1 MB young generation, for memory per client) and
  // with node's defaults, which collects garbage less often.
  const all: Measured[] = [await startVigil(root), await startVigil(root, [])];
  for (const flags of extraFlags) all.push(await startVigil(root, flags));
  const netdata = await startNetdata();
  if (netdata) all.push(netdata);
  try {
    await new Promise((r) => setTimeout(r, warmup * 1000));
    const pct: number[][] = all.map(() => []);
    const mainPct: number[][] = all.map(() => []);
    for (let r = 1; r <= rounds; r++) {
      const before = all.map((m) => processCpuMs(m.proc.pid!));
      const beforeMain = all.map((m) => mainThreadCpuMs(m.proc.pid!));
      const t0 = Date.now();
      await new Promise((res) => setTimeout(res, seconds * 1000));
      const ms = Date.now() - t0;
      all.forEach((m, i) => pct[i].push((100 * (processCpuMs(m.proc.pid!) - before[i])) / ms));
      all.forEach((m, i) => mainPct[i].push((100 * (mainThreadCpuMs(m.proc.pid!) - beforeMain[i])) / ms));
      console.error(`idle round ${r}/${rounds}: ` + all.map((m, i) => `${m.name.split(' ')[0]} ${pct[i].at(-1)!.toFixed(2)} %`).join(', '));
    }
    const series = await Promise.all(all.map((m) => m.series().catch(() => NaN)));
    console.log(`\nWhole idle process CPU: ${rounds} rounds of ${seconds} s after ${warmup} s of warm-up, both at once (median of rounds)\n`);
    console.log('| process | series collected at 1 s | % of one core | of which its main thread |');
    console.log('| --- | --: | --: | --: |');
    all.forEach((m, i) => console.log(`| ${m.name} | ${series[i]} ${m.seriesNote} | ${median(pct[i]).toFixed(2)} | ${median(mainPct[i]).toFixed(2)} |`));
    if (!netdata) console.log('| Netdata | not installed (apt-get install -y netdata) | - | - |');
    else {
      const n = all.indexOf(netdata);
      for (let i = 0; i < n; i++) console.log(`\n${all[i].name.split(' dist/')[0]}) / Netdata main process: ${(median(pct[i]) / median(pct[n])).toFixed(2)}x the CPU for ${(series[i] / series[n]).toFixed(3)}x the series`);
    }
  } finally {
    await Promise.all(all.map((m) => stop(m.proc)));
    // Debian's package may also have started its service; leave nothing running.
    if (netdata) spawn('service', ['netdata', 'stop'], { stdio: 'ignore' }).on('error', () => {});
  }
}
