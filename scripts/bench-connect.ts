/**
 * Connect benchmark: C clients (default 1,000) connect at once; how long until
 * every one has its snapshot, and how big that snapshot is. Vigil (its
 * `snapshot` event with every channel and `history=60`, i.e. what the default
 * page asks for) against express-status-monitor (its socket.io `esm_start`
 * payload). Then Vigil's GET api/snapshot sizes for a few `history` values.
 *
 * Both keep history, so a just-started server sends a near-empty snapshot.
 * To measure the steady-state size, both first run for --fill seconds at
 * --speed times their normal cadence (Vigil --interval 1000/speed; esm's
 * 1/5/15 s spans divided by speed), which fills Vigil's 300 points per group
 * in 300/speed s and esm's 60 points per span in 900/speed s. The live events
 * keep that cadence during the connect, which makes both times pessimistic.
 *
 *   npx tsx scripts/bench-connect.ts [--clients 1000] [--repeat 3] [--fill 90] [--speed 10] [--only vigil,esm] [--quick]
 * Needs `npm run build` first (Vigil runs from dist/).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { LoadPool } from './bench/load.js';
import { machine, procUsage } from './bench/proc.js';
import { fmt, median, sleep, table } from './bench/stats.js';
import { ROOT, startTarget, type Target, type TargetName } from './bench/targets.js';
import { groupLength } from '../shared/schema.js';

const { values: a } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    repeat: { type: 'string' },
    fill: { type: 'string' },
    speed: { type: 'string', default: '10' },
    only: { type: 'string', default: 'vigil,esm' },
    workers: { type: 'string', default: '2' },
    quick: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (a.help) {
  console.log('usage: npx tsx scripts/bench-connect.ts [--clients 1000] [--repeat 3] [--fill 90] [--speed 10] [--only vigil,esm] [--workers 2] [--quick]\n--quick: --repeat 1 --fill 35 unless given');
  process.exit(0);
}
const clients = Number(a.clients);
const repeat = Number(a.repeat ?? (a.quick ? 1 : 3));
const fill = Number(a.fill ?? (a.quick ? 35 : 90));
const speed = Number(a.speed);
const workers = Number(a.workers);
const only = a.only.split(',') as TargetName[];
for (const t of only) if (t !== 'vigil' && t !== 'esm') throw new Error(`--only: unknown target ${t}; use vigil,esm`);
if (!(clients > 0 && clients <= 15_000) || !(repeat >= 1 && repeat <= 10) || !(fill >= 0 && fill <= 600) || !(speed >= 1 && speed <= 10)) {
  throw new Error('--clients 1..15000, --repeat 1..10, --fill 0..600, --speed 1..10');
}
if (only.includes('vigil') && !existsSync(join(ROOT, 'dist/server/main.js'))) throw new Error('dist/server/main.js is missing: run `npm run build` first');
const log = (s: string) => process.stderr.write(s + '\n');
/** What the default page asks for (web/options.ts `points`). */
const PAGE_POINTS = 60;
/** Where the load connects: for Vigil, the stream URL the default page opens. */
const connectUrl = (t: Target) => (t.name === 'vigil' ? `${t.url}?history=${PAGE_POINTS}` : t.url);

interface Run {
  target: TargetName;
  ready: number;
  failed: number;
  allMs: number;
  p50Ms: number;
  snapshotBytes: number;
  cpuSeconds: number;
  error: string | null;
}

async function connectOnce(t: Target): Promise<Run> {
  const pool = LoadPool.start(workers);
  try {
    await sleep(1000); // the workers load tsx and socket.io-client before the clock starts
    const u0 = procUsage(t.pid);
    const o = await pool.open(connectUrl(t), t.kind, clients, clients, 60_000);
    const u1 = procUsage(t.pid);
    const r: Run = {
      target: t.name,
      ready: o.ready,
      failed: o.failed,
      allMs: o.ready === clients ? Math.max(...o.readyAtMs) : NaN,
      p50Ms: median(o.readyAtMs),
      snapshotBytes: median(o.firstFrameBytes),
      cpuSeconds: u1.cpuSeconds - u0.cpuSeconds,
      error: o.firstError,
    };
    log(`  ${t.name.padEnd(5)} ready=${r.ready} failed=${r.failed} all in ${fmt(r.allMs, 0)} ms (p50 ${fmt(r.p50Ms, 0)} ms) snapshot ${r.snapshotBytes} B, server cpu ${fmt(r.cpuSeconds, 2)} s${r.error ? ` first error: ${r.error}` : ''}`);
    return r;
  } finally {
    await pool.close();
  }
}

/** Vigil's GET api/snapshot (every channel) as sent for a few `history` values: all it keeps, then fewer points per group. */
async function vigilSizes(t: Target): Promise<string[][]> {
  const base = t.url.replace(/\/api\/stream$/, '');
  const rows: string[][] = [];
  for (const points of [null, 120, PAGE_POINTS, 30, 0]) {
    const json = await (await fetch(`${base}/api/snapshot${points === null ? '' : `?history=${points}`}`)).text();
    const snap = JSON.parse(json) as { settings: { history: number }; groups: Array<{ t0?: number; dt: number | number[]; points?: number; values: object }> };
    const held = Math.max(0, ...snap.groups.map(groupLength));
    const series = snap.groups.reduce((n, g) => n + Object.keys(g.values).length, 0);
    rows.push([points === null ? `(absent: ${snap.settings.history})` : String(points), String(held), String(snap.groups.length), String(series), String(Buffer.byteLength(json)), String(gzipSync(json).length)]);
  }
  return rows;
}

async function main(): Promise<void> {
  const started = Date.now();
  log(`bench-connect: ${machine()}; ${clients} clients at once; ${repeat}x; fill ${fill} s at ${speed}x cadence`);
  const targets: Target[] = [];
  try {
    for (const name of only) targets.push(await startTarget(name, undefined, speed));
    log(`filling history for ${fill} s`);
    await sleep(fill * 1000);
    const runs: Run[] = [];
    for (let rep = 1; rep <= repeat; rep++) {
      log(`repeat ${rep}/${repeat}`);
      for (const t of targets) {
        runs.push(await connectOnce(t));
        await sleep(2000);
      }
    }
    const rows = only.map((name) => {
      const rs = runs.filter((r) => r.target === name);
      return [
        name,
        String(clients),
        String(Math.min(...rs.map((r) => r.ready))),
        fmt(median(rs.map((r) => r.allMs)), 0),
        fmt(median(rs.map((r) => r.p50Ms)), 0),
        fmt(median(rs.map((r) => r.snapshotBytes)), 0),
        fmt(median(rs.map((r) => r.cpuSeconds)), 2),
        String(rs.length),
      ];
    });
    console.log(`\nbench-connect ${new Date().toISOString()} (${machine()}); medians of ${repeat} run(s); history filled for ${fill} s at ${speed}x cadence\n`);
    console.log(table(['target', 'clients', 'reached', 'all ready ms', 'p50 ready ms', 'snapshot B', 'server cpu s', 'runs'], rows));
    const v = targets.find((t) => t.name === 'vigil');
    if (v) {
      console.log('\nVigil GET api/snapshot (every channel) by ?history=:\n');
      console.log(table(['history=', 'points/group', 'groups', 'series', 'JSON B', 'gzip B'], await vigilSizes(v)));
    }
    console.log(`\nsnapshot B: Vigil's whole \`snapshot\` frame (id/event/data lines) for ?history=${PAGE_POINTS}; esm's socket.io packet \`42["esm_start",...]\`. Took ${fmt((Date.now() - started) / 1000, 0)} s.`);
  } finally {
    for (const t of targets) await t.stop();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`bench-connect: ${(e as Error).message}`);
    process.exit(1);
  },
);
