/**
 * What the tiers cost: memory per series with every tier at 1,000 series, the
 * default page's snapshot bytes at 5m / 1h / 24h, and a persist write at 1,000
 * series (main-thread CPU, wall time, loop delay while it writes), beside
 * today's raw-ring figures and the targets.
 *
 *   npx tsx scripts/bench-tiers.ts [--runs 5]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfig } from '../server/config.js';
import { createVigil } from '../server/vigil.js';
import { GroupHistory } from '../server/windows/history.js';
import { TierPersister } from '../server/windows/tier-persister.js';
import { TierStore } from '../server/windows/tier-store.js';
import type { ChannelName, Stat } from '../shared/schema.js';
import { fmt, median, table } from './bench/stats.js';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
const DAY = 86_400_000;
const stat = (v: number): Stat => ({ v, min: v, max: v, avg: v, n: 1, trend: 'stable', u: '' });

/** A day of 1 Hz ticks for `keys` of one group, folded straight into the store. */
function fillDay(store: TierStore, channel: ChannelName, source: string, keys: string[], end: number, every = 1000): void {
  for (let t = end - DAY; t <= end; t += every) {
    const values: Record<string, Stat> = {};
    for (let i = 0; i < keys.length; i++) values[keys[i]] = stat(50 + 40 * Math.sin(t / 3.6e6 + i) + Math.random());
    store.fold(channel, { t, source, values });
  }
}

/** 1,000 series as 10 sources × 100 app series, every bucket of every tier filled. */
function thousand(): TierStore {
  const store = new TierStore({ maxSeries: 2000 });
  const keys = Array.from({ length: 100 }, (_, i) => `bench.series_${i}{model=m${i % 4}}`);
  const end = Math.floor(Date.now() / 60_000) * 60_000;
  // Every 10 s is enough to touch every bucket of both tiers (10 s and 1 min).
  for (let s = 0; s < 10; s++) fillDay(store, 'app', `src-${s}`, keys, end, 10_000);
  return store;
}

function memory(store: TierStore) {
  const raw = new GroupHistory(300);
  raw.add('x');
  const rawPerSeries = raw.bytes - 300 * 8; // the group's time ring is shared
  return { tiers: store.bytes / store.size, raw: rawPerSeries };
}

async function snapshotBytes(): Promise<Record<string, number>> {
  const vigil = createVigil(parseConfig({ port: 0, logLevel: 'silent', dataDir: '', diskUsageInterval: 0 }), { pageDir: null });
  await vigil.start();
  await new Promise((r) => setTimeout(r, 2500));
  // As if it had run for a day: 300 raw ticks per group (what HISTORY keeps), then a day
  // of ticks folded into every series' tiers.
  const tiers = vigil.projection.tiers!;
  const end = Date.now() - 5000;
  vigil.projection.stop();
  for (const g of vigil.projection.latest()) {
    for (let i = 300; i >= 1; i--) {
      const values = Object.fromEntries(Object.entries(g.values).map(([k, st]) => [k, { ...st, v: st.v * (0.9 + Math.random() * 0.2) }]));
      vigil.projection.apply({ id: vigil.projection.lastId, seq: 0, channel: g.channel, tick: { t: end - i * 1000, source: g.source, values }, frame: Buffer.alloc(0) });
    }
  }
  vigil.projection.start();
  for (const g of vigil.projection.latest()) {
    const group = tiers.group(g.channel, g.source);
    if (group) group.through = -Infinity;
    for (const r of group?.rings ?? []) (r.newest = -Infinity), (r.first = Infinity), r.slots.fill(NaN);
    fillDay(tiers, g.channel, g.source, Object.keys(g.values), end);
  }
  await new Promise((r) => setTimeout(r, 1100));
  const out: Record<string, number> = {};
  for (const [label, q] of [
    ['5m (history=60, the page today)', 'history=60'],
    ['5m (history=300, all)', ''],
    ['1h (points=60)', 'span=1h&points=60'],
    ['1h (all 360)', 'span=1h'],
    ['24h (points=60)', 'span=24h&points=60'],
    ['24h (points=120)', 'span=24h&points=120'],
    ['24h (all 1440)', 'span=24h'],
  ]) {
    out[label] = (await (await fetch(`${vigil.url}/api/snapshot?${q}`)).arrayBuffer()).byteLength;
  }
  out.series = vigil.projection.size;
  await vigil.stop();
  return out;
}

async function persist(store: TierStore) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-tiers-'));
  const p = new TierPersister(store, { dir, interval: 1e9, logger: pino({ level: 'silent' }) });
  const cpu: number[] = [];
  const longest: number[] = [];
  const all: number[] = [];
  const wall: number[] = [];
  // A tick every 100 ms keeps the store changing while it is written.
  let t = Date.now();
  const ticker = setInterval(() => store.fold('app', { t: (t += 1000), source: 'src-0', values: { 'bench.series_0{model=m0}': stat(1) } }), 100);
  // Loop delay: how late a 5 ms timer fires, filed under idle (baseline: the machine is
  // shared, its own stalls show there) or writing. (monitorEventLoopDelay toggled on and
  // off counts the time it was off as one long delay, so it is not used here.)
  const idle: number[] = [];
  const busy: number[] = [];
  let phase = idle;
  let last = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    phase.push(Math.max(0, now - last - 5));
    last = now;
  }, 5);
  for (let i = 0; i < runs; i++) {
    await new Promise((r) => setTimeout(r, 500));
    store.version++;
    phase = busy;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await p.flush();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    phase = idle;
    all.push((c.user + c.system) / 1000);
    cpu.push(p.lastWriteCpu / 1000);
    longest.push(p.lastWriteLongest / 1000);
  }
  clearInterval(ticker);
  clearInterval(probe);
  const size = statSync(join(dir, 'tiers.bin')).size;
  rmSync(dir, { recursive: true, force: true });
  const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)] ?? NaN;
  return { longest: median(longest), cpu: median(cpu), all: median(all), wall: median(wall), p99: q(busy, 0.99), max: Math.max(...busy), idleP99: q(idle, 0.99), idleMax: Math.max(...idle), size };
}

const store = thousand();
const mem = memory(store);
const snap = await snapshotBytes();
const w = await persist(store);

console.log(`bench-tiers: ${store.size} series, ${runs} persist runs (medians); machine shared with other jobs\n`);
console.log(
  table(
    ['figure', 'today (raw only)', 'with tiers', 'target', 'verdict'],
    [
      ['memory per series, all tiers (KB)', fmt(mem.raw / 1000, 1), fmt((mem.raw + mem.tiers) / 1000, 1), '<= 64', mem.raw + mem.tiers <= 64_000 ? 'ok' : 'OVER'],
      ...Object.entries(snap)
        .filter(([k]) => k !== 'series')
        .map(([k, v]) => {
          const target = k.startsWith('24h (points=60)') ? 100_000 : k.startsWith('5m (history=60') ? 16_000 : NaN;
          return [`snapshot ${k}, ${snap.series} series (KB)`, k.startsWith('5m') ? fmt(v / 1000, 1) : '-', fmt(v / 1000, 1), Number.isNaN(target) ? '' : `<= ${target / 1000}`, Number.isNaN(target) ? '' : v <= target ? 'ok' : 'OVER'];
        }),
      ['persist write, main-thread time (ms)', '-', fmt(w.cpu, 1), '<= 20', w.cpu <= 20 ? 'ok' : 'OVER'],
      ['persist write, longest hold of the loop (ms)', '-', fmt(w.longest, 1), '<= 20', w.longest <= 20 ? 'ok' : 'OVER'],
      ['persist write, process CPU incl. fs threads (ms)', '-', fmt(w.all, 1), '', ''],
      ['persist write, wall incl. fsync (ms)', '-', fmt(w.wall, 0), '', ''],
      ['loop delay p99 (ms): idle | while writing', fmt(w.idleP99, 1), fmt(w.p99, 1), '<= 20', w.p99 <= 20 ? 'ok' : 'OVER'],
      ['loop delay max (ms): idle | while writing', fmt(w.idleMax, 1), fmt(w.max, 1), '', ''],
      ['state file (MB)', '-', fmt(w.size / 1e6, 1), '', ''],
    ],
  ),
);
