/**
 * Two tables, each measured side by side in one run:
 *
 * 1. CPU per host sample at 1 Hz: Vigil's host source now, the same source at a
 *    baseline commit (before issue 14's signals: `--baseline <rev>`), and a 1 Hz
 *    loop of systeminformation's currentLoad + mem + networkStats + fsSize +
 *    disksIO. Each variant runs in its own child process, all at the same time.
 *    CPU is taken around each sample: the process's own user + system time plus
 *    that of programs it spawned and reaped meanwhile (`df`, `ip`, `lsblk`…:
 *    cutime and cstime in /proc/self/stat), so nothing systeminformation starts
 *    is missed. Filesystem usage runs every 30 s in Vigil (DISK_USAGE_INTERVAL):
 *    a 30th of one refresh is added to each sample.
 *
 * 2. The whole idle process: a built Vigil (`node dist/server/main.js`, defaults,
 *    no clients) and, when Debian's `netdata` is installed, Netdata's main process
 *    (started here in the foreground on a free port, stopped after), over the same
 *    seconds after 70 s of warm-up, with the number of series each collects.
 *
 *   npm run bench:sampler -- [--seconds 20] [--idle-seconds 60] [--rounds 3] [--baseline 1de9b5f]
 *     [--idle-flags "--single-threaded-gc"]...   (more Vigil rows in table 2, with those node flags)
 *     [--idle-only]                              (table 2 alone)
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import si from 'systeminformation';
import { extractBaseline, idleComparison } from './bench/idle-process.js';

type Variant = 'after' | 'before' | 'si';
interface Result {
  variant: Variant;
  samples: number;
  cpuMs: number;
  /** Of cpuMs, the share that is the amortised 30 s filesystem refresh. */
  amortisedMs: number;
  series: number;
}

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** CPU of this process and its reaped children, ms. */
function cpuMs(): number {
  const u = process.cpuUsage();
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  const tick = 10; // USER_HZ is 100 on Linux
  return (u.user + u.system) / 1000 + (Number(f[13]) + Number(f[14])) * tick;
}

interface HostLike {
  start?(): Promise<void> | void;
  sample(now: number): Promise<unknown[]> | unknown[];
  stop?(): void;
}

/** The host source of a tree (this one, or the baseline's), and one filesystem refresh's CPU. */
async function hostOf(dir: string, baseline: boolean): Promise<{ host: HostLike; refreshMs: number }> {
  const mod = (await import(`${dir}/server/sources/host.ts`)) as { createHostSource(o: object): HostLike };
  const host = mod.createHostSource({ diskUsageEvery: null });
  const c = cpuMs();
  if (baseline) await si.fsSize(); // the baseline refreshed disk usage with systeminformation (df)
  else {
    const { DiskUsage } = (await import(`${dir}/server/sources/disk-usage.ts`)) as { DiskUsage: new (every: number) => { start(): Promise<void>; stop(): void } };
    const u = new DiskUsage(3_600_000);
    await u.start();
    u.stop();
  }
  return { host, refreshMs: cpuMs() - c };
}

async function worker(variant: Variant, seconds: number, dir: string): Promise<void> {
  const h = variant === 'si' ? null : await hostOf(dir, variant === 'before');
  await h?.host.start?.();
  if (variant === 'si') await si.currentLoad();
  const amortised = h ? h.refreshMs / 30 : 0;
  let samples = 0;
  let spent = 0;
  let series = 0;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const tickStart = Date.now();
    const c0 = cpuMs();
    if (h) series = (await h.host.sample(tickStart)).length;
    else await Promise.all([si.currentLoad(), si.mem(), si.networkStats(), si.fsSize(), si.disksIO()]);
    spent += cpuMs() - c0 + amortised;
    samples++;
    await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - tickStart))));
  }
  h?.host.stop?.();
  process.stdout.write(JSON.stringify({ variant, samples, cpuMs: spent, amortisedMs: amortised * samples, series } satisfies Result) + '\n');
}

function run(variant: Variant, seconds: number, dir: string): Promise<Result> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--worker', variant, '--seconds', String(seconds), '--dir', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`${variant} exited ${code}`)))),
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function hostTable(seconds: number, rounds: number, baselineDir: string, baselineRev: string): Promise<void> {
  const variants: Variant[] = ['after', 'before', 'si'];
  const perSample: Record<Variant, number[]> = { after: [], before: [], si: [] };
  const series: Record<Variant, number> = { after: 0, before: 0, si: 0 };
  for (let r = 1; r <= rounds; r++) {
    const results = await Promise.all(variants.map((v) => run(v, seconds, v === 'before' ? baselineDir : ROOT)));
    for (const x of results) {
      perSample[x.variant].push(x.cpuMs / x.samples);
      series[x.variant] = x.series;
    }
    console.error(`host round ${r}/${rounds}: ` + results.map((x) => `${x.variant} ${(x.cpuMs / x.samples).toFixed(3)} ms/sample over ${x.samples}`).join(', '));
  }
  const [a, b, s] = variants.map((v) => median(perSample[v]));
  console.log(`\nHost sampling CPU per sample: ${rounds} rounds of ${seconds} s at 1 Hz, the three at once in separate processes (median of rounds)\n`);
  console.log('| sampler | series per sample | CPU ms / sample | % of one core at 1 Hz |');
  console.log('| --- | --: | --: | --: |');
  console.log(`| Vigil host source now (/proc + statfs every 30 s, amortised) | ${series.after} | ${a.toFixed(3)} | ${(a / 10).toFixed(3)} |`);
  console.log(`| Vigil host source at ${baselineRev} (/proc + df every 30 s, amortised) | ${series.before} | ${b.toFixed(3)} | ${(b / 10).toFixed(3)} |`);
  console.log(`| systeminformation currentLoad+mem+net+fsSize+disksIO | | ${s.toFixed(3)} | ${(s / 10).toFixed(3)} |`);
  console.log(`\nnow / before: ${(a / b).toFixed(2)}x the CPU for ${(series.after / Math.max(1, series.before)).toFixed(1)}x the series; target <= 0.2 % of one core: ${a / 10 <= 0.2 ? 'met' : 'NOT met'}`);
}

async function main(): Promise<void> {
  const seconds = Number(arg('seconds', '20'));
  const rounds = Number(arg('rounds', '3'));
  const baselineRev = arg('baseline', '1de9b5f');
  if (!process.argv.includes('--idle-only')) {
    const baseline = extractBaseline(ROOT, baselineRev);
    try {
      await hostTable(seconds, rounds, baseline.dir, baselineRev);
    } finally {
      baseline.remove();
    }
  }
  // --idle-flags "a b" (repeatable): more Vigil rows in the idle table, each with those node flags.
  const extra = process.argv.flatMap((a, i) => (a === '--idle-flags' ? [process.argv[i + 1].split(' ').filter(Boolean)] : []));
  await idleComparison(ROOT, Number(arg('idle-seconds', '60')), rounds, extra);
}

const w = process.argv.indexOf('--worker');
if (w > 0) void worker(process.argv[w + 1] as Variant, Number(arg('seconds', '20')), arg('dir', ROOT));
else void main();
