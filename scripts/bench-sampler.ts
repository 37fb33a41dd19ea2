/**
 * CPU per host sample: Vigil's host source (/proc at 1 Hz, disk usage by
 * systeminformation every 30 s) against a 1 Hz loop of systeminformation's
 * currentLoad + mem + networkStats + fsSize + disksIO, side by side in one run.
 *
 * Each variant runs in its own child process, at the same time. CPU is measured
 * around each sample: the process's own user + system time plus that of the
 * programs it spawned and reaped meanwhile (`df`, `ip`, `lsblk`...: cutime and
 * cstime in /proc/self/stat, 10 ms ticks), so nothing systeminformation starts
 * is missed.
 *
 *   npx tsx scripts/bench-sampler.ts [--seconds 20] [--rounds 3]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import si from 'systeminformation';
import { createHostSource } from '../server/sources/host.js';

type Variant = 'vigil' | 'si';
interface Result {
  variant: Variant;
  samples: number;
  cpuMs: number;
  /** Of cpuMs, the share that is the amortised 30 s disk usage refresh. */
  amortisedMs: number;
}

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};

/** CPU of this process and its reaped children, ms. */
function cpuMs(): number {
  const u = process.cpuUsage();
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  const tick = 10; // USER_HZ is 100 on Linux
  return (u.user + u.system) / 1000 + (Number(f[13]) + Number(f[14])) * tick;
}

async function worker(variant: Exclude<Variant, 'idle'>, seconds: number): Promise<void> {
  const host = variant === 'vigil' ? createHostSource({ diskUsageEvery: null }) : null;
  await host?.start?.();
  if (variant === 'si') await si.currentLoad();
  let amortised = 0;
  if (variant === 'vigil') {
    // Vigil refreshes disk usage (systeminformation fsSize) every 30 s: add a 30th of it to each sample.
    const c = cpuMs();
    await si.fsSize();
    amortised = (cpuMs() - c) / 30;
  }
  let samples = 0;
  let spent = 0;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const tickStart = Date.now();
    const c0 = cpuMs();
    if (variant === 'vigil') await host!.sample(tickStart);
    else await Promise.all([si.currentLoad(), si.mem(), si.networkStats(), si.fsSize(), si.disksIO()]);
    spent += cpuMs() - c0 + amortised;
    samples++;
    await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - tickStart))));
  }
  await host?.stop?.();
  process.stdout.write(JSON.stringify({ variant, samples, cpuMs: spent, amortisedMs: amortised * samples } satisfies Result) + '\n');
}

function run(variant: Variant, seconds: number): Promise<Result> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--worker', variant, '--seconds', String(seconds)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`${variant} exited ${code}`)))),
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const seconds = arg('seconds', 20);
  const rounds = arg('rounds', 3);
  const perSample: Record<Variant, number[]> = { vigil: [], si: [] };
  const procOnly: number[] = [];
  for (let r = 1; r <= rounds; r++) {
    const results = await Promise.all((['vigil', 'si'] as const).map((v) => run(v, seconds)));
    for (const x of results) perSample[x.variant].push(x.cpuMs / x.samples);
    const vr = results.find((x) => x.variant === 'vigil')!;
    procOnly.push((vr.cpuMs - vr.amortisedMs) / vr.samples);
    console.error(`round ${r}/${rounds}: ` + results.map((x) => `${x.variant} ${(x.cpuMs / x.samples).toFixed(3)} ms/sample over ${x.samples}`).join(', '));
  }
  const v = median(perSample.vigil);
  const s = median(perSample.si);
  console.log(`\nHost sampling CPU per sample: ${rounds} rounds of ${seconds} s at 1 Hz, both variants at once in separate processes (median of rounds)\n`);
  console.log('| sampler                                              | CPU ms / sample | % of one core at 1 Hz |');
  console.log('| ---------------------------------------------------- | --------------: | --------------------: |');
  console.log(`| Vigil host source (/proc; fsSize every 30 s, amortised) | ${v.toFixed(3).padStart(12)} | ${(v / 10).toFixed(3).padStart(21)} |`);
  console.log(`| systeminformation currentLoad+mem+net+fsSize+disksIO | ${s.toFixed(3).padStart(15)} | ${(s / 10).toFixed(3).padStart(21)} |`);
  console.log(`\nof Vigil's figure, the /proc reads and parsing alone: ${median(procOnly).toFixed(3)} ms / sample`);
  console.log(`ratio: Vigil is ${(s / v).toFixed(1)}x cheaper per sample (target >= 20x, <= 0.2% of one core)`);
}

const w = process.argv.indexOf('--worker');
if (w > 0) void worker(process.argv[w + 1] as Variant, arg('seconds', 20));
else void main();
