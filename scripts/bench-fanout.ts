/**
 * Fan-out benchmark: N concurrent stream clients at 1 Hz, side by side:
 *   vigil  the built CLI (dist/server/main.js --interval 1000 --max-clients 20000)
 *   floor  a bare node:http server writing the same bytes per second, serialised once
 *   express  the same floor as a route of an Express 5 app under Vigil's node flags:
 *          the fixed stack's own cost per client, with nothing of Vigil's
 *   esm    express-status-monitor (socket.io 2, websocket transport)
 *   redis  Vigil scaled out: one agent, Redis, two servers; clients spread over both
 * Each server runs alone in its own process; its CPU and RSS come from /proc/<pid>.
 * Clients live in separate load-generator processes (raw HTTP/1.1 for SSE,
 * socket.io-client for esm) on 127.0.0.1. Every configuration is repeated and
 * the table shows medians.
 *
 *   npx tsx scripts/bench-fanout.ts [--clients 1000,5000,10000] [--seconds 10]
 *     [--repeat 3] [--only vigil,keyed,floor,express,esm,redis] [--workers 2] [--warm 62] [--quick]
 * Vigil's servers run `--warm` s (default 62: their 60 s windows full) before
 * clients connect, as a wall display's server has; esm and the floor 1.5 s.
 * Needs `npm run build` first (Vigil runs from dist/).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LoadPool } from './bench/load.js';
import { probeFrameSizes } from './bench/probe.js';
import { machine, procUsage, rssOver } from './bench/proc.js';
import { fmt, median, sleep, table } from './bench/stats.js';
import { ROOT, startTarget, TARGETS, VIGIL_NODE_FLAGS, type TargetName } from './bench/targets.js';

const { values: a } = parseArgs({
  options: {
    clients: { type: 'string' },
    seconds: { type: 'string' },
    repeat: { type: 'string' },
    only: { type: 'string', default: TARGETS.join(',') },
    workers: { type: 'string', default: '2' },
    quick: { type: 'boolean', default: false },
    warm: { type: 'string' },
    'node-flags': { type: 'string' },
    baseline: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (a.help) {
  console.log('usage: npx tsx scripts/bench-fanout.ts [--clients 1000,5000,10000] [--seconds 8] [--repeat 2] [--only vigil,keyed,floor,express,esm,redis] [--workers 2] [--warm 62] [--node-flags=--max-semi-space-size=1] [--baseline DIR] [--quick]\n--baseline DIR: also run DIR/dist/server/main.js (another checkout, built) as target base, right after vigil\n--quick: --clients 1000,10000 --seconds 5 --repeat 1 --warm 0 unless given\n--warm: seconds Vigil runs before clients connect (its windows full, as on a server that has run a minute)\n--node-flags: node flags of every target (default: the ones Vigil ships with; --node-flags= runs all on node\'s defaults)');
  process.exit(0);
}
const counts = (a.clients ?? (a.quick ? '1000,10000' : '1000,5000,10000')).split(',').map(Number);
const seconds = Number(a.seconds ?? (a.quick ? 5 : 8));
const repeat = Number(a.repeat ?? (a.quick ? 1 : 2));
const only = a.only.split(',') as TargetName[];
if (a.baseline) {
  if (!existsSync(join(a.baseline, 'dist/server/main.js'))) throw new Error(`--baseline: ${a.baseline}/dist/server/main.js is missing (build that checkout first)`);
  only.splice(only.includes('vigil') ? only.indexOf('vigil') + 1 : 0, 0, 'base');
}
const workers = Number(a.workers);
/**
 * How long a server runs before clients connect, s: Vigil's windows (60 s) full,
 * as on a wall display's server, which has run for more than a minute. In the
 * first minute after a start every tick moves min and avg, so its ticks are
 * larger than they will be from then on (`--warm 0` measures that).
 */
const warmS = Number(a.warm ?? (a.quick ? 0 : 62));
/** The same for every target: RSS per client must not compare one runtime setting with another. */
const nodeFlags = a['node-flags'] === undefined ? VIGIL_NODE_FLAGS : a['node-flags'].split(' ').filter(Boolean);
/** What lets the benchmark make a server collect its garbage (scripts/bench/gc-signal.mjs); every target but redis's. */
const GC_FLAGS = ['--expose-gc', '--import', fileURLToPath(new URL('./bench/gc-signal.mjs', import.meta.url))];
for (const t of only) if (t !== 'base' && !TARGETS.includes(t)) throw new Error(`--only: unknown target ${t}; use ${TARGETS.join(',')}`);
if (counts.some((n) => !(n > 0 && n <= 15_000))) throw new Error('--clients: each count must be 1..15000 (the fd limit here is 20000)');
if (!(seconds > 0 && seconds <= 120) || !(repeat >= 1 && repeat <= 10)) throw new Error('--seconds must be 1..120 and --repeat 1..10');
if (!(warmS >= 0 && warmS <= 600)) throw new Error('--warm must be 0..600 seconds');
if ((only.includes('vigil') || only.includes('redis')) && !existsSync(join(ROOT, 'dist/server/main.js'))) throw new Error('dist/server/main.js is missing: run `npm run build` first');

const SETTLE_MS = 2000;
/** Every target runs at least this long before its baseline RSS is read (start-up garbage collected or not, the same for all). */
const MIN_WARM_MS = 5000;
/** The baseline RSS is the median of samples over this long, just before clients connect. */
const BASE_MS = 2000;
const CONNECT_TIMEOUT_MS = 60_000;
const CONNECTING = 100;
const log = (s: string) => process.stderr.write(s + '\n');

interface Run {
  target: TargetName;
  n: number;
  ready: number;
  failed: number;
  cpuPct: number;
  rssMb: number;
  rssPerClientKb: number;
  anonPerClientKb: number;
  /** The same after the server collected its garbage, at the baseline and at the end (NaN for redis). */
  gcPerClientKb: number;
  p50: number;
  p99: number;
  bytesPerClient: number;
  eventsPerClient: number;
  dropped: number;
  connectS: number;
  error: string | null;
}

/** What is running now, so an interrupted benchmark leaves no server or worker behind. */
const live = new Set<{ stop(): Promise<void> }>();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    log(`bench-fanout: ${sig}, stopping children`);
    void Promise.allSettled([...live].map((x) => x.stop())).then(() => process.exit(130));
  });
}

/**
 * RSS of a server just after it collected its garbage (SIGUSR2, gc-signal.mjs):
 * the median of 1 s of samples, 1 s after. NaN for redis (its servers have no such handler).
 */
async function collected(target: TargetName, pid: number): Promise<number> {
  if (target === 'redis') return NaN;
  process.kill(pid, 'SIGUSR2');
  await sleep(1000);
  return (await rssOver([pid], 1000)).rssBytes;
}

async function runOne(target: TargetName, n: number, frames: number[]): Promise<Run> {
  const t = await startTarget(target, frames, 1, [...nodeFlags, ...GC_FLAGS], a.baseline);
  const pool = LoadPool.start(workers);
  const handle = { stop: async () => void (await Promise.allSettled([pool.close(), t.stop()])) };
  live.add(handle);
  try {
    const vigilLike = target === 'vigil' || target === 'base' || target === 'keyed' || target === 'redis';
    await sleep(Math.max(MIN_WARM_MS, vigilLike ? warmS * 1000 : 0) - BASE_MS);
    // Scaled-out targets (redis) count every process: servers, agent and Redis.
    const pids = t.pids ?? [t.pid];
    const usage = () => pids.map(procUsage).reduce((x, y) => ({ cpuSeconds: x.cpuSeconds + y.cpuSeconds, rssBytes: x.rssBytes + y.rssBytes, anonBytes: x.anonBytes + y.anonBytes }));
    const base = await rssOver(pids, BASE_MS);
    const baseGc = await collected(target, t.pid);
    let last = 0;
    const c0 = performance.now();
    // At most CONNECTING per worker in flight; when the server is the bottleneck
    // every slot stays busy, so that many per worker are left at the deadline.
    const opened = await pool.open(t.urls ?? t.url, t.kind, n, CONNECTING, CONNECT_TIMEOUT_MS, (ready) => {
      if (ready - last >= 2500) log(`    ${target} ${ready}/${n} connected`);
      last = ready - (ready % 2500);
    });
    const connectS = (performance.now() - c0) / 1000;
    await sleep(SETTLE_MS);
    pool.reset();
    const u0 = usage();
    const t0 = performance.now();
    // RSS over the whole window, sampled: the median, not one reading at its end.
    const rss = await rssOver(pids, seconds * 1000);
    const u1 = usage();
    const endGc = await collected(target, t.pid);
    const t1 = performance.now();
    const m = await pool.report();
    const wall = (t1 - t0) / 1000;
    const r: Run = {
      target,
      n,
      ready: opened.ready,
      failed: opened.failed,
      cpuPct: ((u1.cpuSeconds - u0.cpuSeconds) / wall) * 100,
      rssMb: rss.rssBytes / 2 ** 20,
      rssPerClientKb: opened.ready ? (rss.rssBytes - base.rssBytes) / 1024 / opened.ready : NaN,
      anonPerClientKb: opened.ready ? (rss.anonBytes - base.anonBytes) / 1024 / opened.ready : NaN,
      gcPerClientKb: opened.ready ? (endGc - baseGc) / 1024 / opened.ready : NaN,
      p50: m.hist.quantile(0.5),
      p99: m.hist.quantile(0.99),
      bytesPerClient: opened.ready ? m.bytes / wall / opened.ready : NaN,
      eventsPerClient: opened.ready ? m.events / wall / opened.ready : NaN,
      dropped: m.dropped,
      connectS,
      error: opened.firstError,
    };
    log(
      `  ${target.padEnd(5)} n=${n} ready=${r.ready} failed=${r.failed} cpu=${fmt(r.cpuPct)}% rss=${fmt(r.rssMb)}MB (+${fmt(r.rssPerClientKb)}KB/client, anon +${fmt(r.anonPerClientKb)}, after gc +${fmt(r.gcPerClientKb)}) p50=${r.p50}ms p99=${r.p99}ms ${fmt(r.bytesPerClient, 0)}B/s/client ${fmt(r.eventsPerClient, 2)}ev/s/client dropped=${r.dropped} connect=${fmt(r.connectS)}s${r.error ? ` first error: ${r.error}` : ''}`,
    );
    return r;
  } finally {
    live.delete(handle);
    await pool.close();
    await t.stop();
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  log(`bench-fanout: ${machine()}; clients ${counts.join(',')}; ${seconds} s measured after ${SETTLE_MS / 1000} s settle; Vigil warmed ${warmS} s first; ${repeat}x; ${workers} load workers; node flags of every target: ${nodeFlags.join(' ') || '(none)'}`);
  let frames = [800];
  if (only.includes('floor') || only.includes('express')) {
    // The floor sends what Vigil sends: one frame per channel per second, of the same sizes.
    const v = await startTarget('vigil', undefined, 1, nodeFlags);
    try {
      const sizes = await probeFrameSizes(v.url, 2500);
      if (Object.keys(sizes).length) frames = Object.values(sizes);
    } finally {
      await v.stop();
    }
    log(`floor frames (bytes, from a Vigil probe): ${frames.join(', ')}`);
  }
  const runs: Run[] = [];
  for (const n of counts) {
    for (let rep = 1; rep <= repeat; rep++) {
      log(`n=${n} repeat ${rep}/${repeat}`);
      for (const target of only) {
        try {
          runs.push(await runOne(target, n, frames));
        } catch (e) {
          log(`  ${target} n=${n} failed: ${(e as Error).message}`);
        }
      }
    }
  }

  const rows: string[][] = [];
  const med = (target: TargetName, n: number, f: (r: Run) => number) => median(runs.filter((r) => r.target === target && r.n === n).map(f));
  for (const n of counts) {
    for (const target of only) {
      const rs = runs.filter((r) => r.target === target && r.n === n);
      if (!rs.length) continue;
      const m = (f: (r: Run) => number) => med(target, n, f);
      rows.push([
        target,
        String(n),
        `${Math.min(...rs.map((r) => r.ready))}`,
        fmt(m((r) => r.cpuPct)),
        fmt(m((r) => (r.cpuPct / r.ready) * 1000), 2),
        fmt(m((r) => r.rssMb), 0),
        fmt(m((r) => r.rssPerClientKb)),
        fmt(m((r) => r.anonPerClientKb)),
        fmt(m((r) => r.gcPerClientKb)),
        fmt(m((r) => r.p50), 0),
        fmt(m((r) => r.p99), 0),
        fmt(m((r) => r.bytesPerClient), 0),
        String(Math.max(...rs.map((r) => r.dropped))),
        fmt(m((r) => r.connectS), 0),
        String(rs.length),
      ]);
    }
  }
  console.log(`\nbench-fanout ${new Date().toISOString()} (${machine()}); medians of ${repeat} run(s), ${seconds} s each\n`);
  console.log(table(['target', 'clients', 'reached', 'cpu %', 'cpu %/1k', 'rss MB', 'rss KB/client', 'anon KB/client', 'gc KB/client', 'p50 ms', 'p99 ms', 'B/s/client', 'dropped', 'connect s', 'runs'], rows));

  const ratios: string[][] = [];
  const pairs: Array<[TargetName, TargetName]> = [['vigil', 'base'], ['vigil', 'floor'], ['vigil', 'express'], ['redis', 'vigil'], ['vigil', 'esm']];
  for (const n of counts) {
    const cpu = (t: TargetName) => med(t, n, (r) => r.cpuPct / r.ready);
    const kb = (t: TargetName) => med(t, n, (r) => r.rssPerClientKb);
    const gc = (t: TargetName) => med(t, n, (r) => r.gcPerClientKb);
    const p99 = (t: TargetName) => med(t, n, (r) => r.p99);
    for (const [x, y] of pairs) {
      if (only.includes(x) && only.includes(y)) ratios.push([`${x} / ${y}`, String(n), fmt(cpu(x) / cpu(y), 2), fmt(kb(x) / kb(y), 2), fmt(gc(x) / gc(y), 2), fmt(p99(x) / p99(y), 2)]);
    }
  }
  if (ratios.length) {
    console.log('\nratios (lower is better for vigil; per client, medians):\n');
    console.log(table(['pair', 'clients', 'cpu/client', 'rss/client', 'gc/client', 'p99'], ratios));
  }
  console.log(`\ncpu % is of one core; rss KB/client = (median RSS over the window - median RSS over the ${BASE_MS / 1000} s before any client) / clients, sampled every 0.25 s; anon: the same of RssAnon (heap and native allocations, without file-backed pages such as node's own code); gc: (RSS after the server collected its garbage at the end - the same before any client) / clients; node flags of every target: ${nodeFlags.join(' ') || '(none)'}; latency = receive time - the publish time carried by the event (Vigil: its tick's sample time t); reached = fewest clients ready within ${CONNECT_TIMEOUT_MS / 1000} s over the runs (the rest are closed before measuring); connect s = time to open them, at most ${CONNECTING} connecting per worker. Took ${fmt((Date.now() - started) / 1000, 0)} s.`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`bench-fanout: ${(e as Error).message}`);
    process.exit(1);
  },
);
