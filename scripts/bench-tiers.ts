/**
 * What the tiers cost: memory per series with every tier at 1,000 series, the
 * default page's snapshot bytes at 5m / 1h / 24h, and a persist write at 1,000
 * series (main-thread and whole-process CPU, wall time, loop delay while it writes), beside
 * today's raw-ring figures and the issue's targets.
 *
 *   npx tsx scripts/bench-tiers.ts [--runs 5] [--real 62] [--persist-only]
 *
 * `--real S`: also the page's snapshot after S seconds of real sampling (0: skip).
 * The persist table sets the whole state rewritten every interval (before) beside
 * the log record of one interval's ticks (now), and what compactions add.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfig } from '../server/config.js';
import { toDigits } from '../server/sources/sampler.js';
import { createVigil, type Vigil } from '../server/vigil.js';
import { compactNumber, snapshotJson } from '../server/stream/snapshot-json.js';
import type { SnapshotFilter } from '../server/windows/projection.js';
import type { ExpandedSnapshot } from '../shared/schema.js';
import { parseOptions, streamUrl } from '../web/options.js';
import { GroupHistory } from '../server/windows/history.js';
import { encodeGroup, head, tail } from '../server/windows/tier-file.js';
import { LOG_HEAD } from '../server/windows/tier-log.js';
import { COMPACT_AT, TierPersister } from '../server/windows/tier-persister.js';
import { TierStore } from '../server/windows/tier-store.js';
import type { ChannelName, Stat } from '../shared/schema.js';
import { fmt, median, table } from './bench/stats.js';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
/** Seconds of real sampling for the page's snapshot as it really is (0: skip). */
const realSeconds = process.argv.includes('--real') ? Number(process.argv[process.argv.indexOf('--real') + 1]) : 62;
/** Only the memory and persist table (no snapshots: ~30 s instead of ~2.5 min). */
const persistOnly = process.argv.includes('--persist-only');
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

const jitter = (v: number) => (Number.isInteger(v) ? Math.round(v * (0.9 + Math.random() * 0.2)) : toDigits(v * (0.9 + Math.random() * 0.2), 4));

async function snapshotBytes() {
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
      // Each series' last value ±10 %, at the precision the sampler gives (whole numbers stay whole, the rest 4 digits).
      const values = Object.fromEntries(Object.entries(g.values).map(([k, st]) => [k, { ...st, v: jitter(st.v) }]));
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
  return measureSnapshots(vigil, SNAPSHOTS);
}

/** The queries measured: the page's own first (as its stream URL asks, web/options.ts streamUrl: history=60, compact=1). */
const SNAPSHOTS: [string, SnapshotFilter, number?][] = [
  ['5m (history=60, the page)', { compact: true }, 60],
  ['5m (history=300, all)', {}],
  ['1h (points=60)', { span: '1h', tierPoints: 60 }],
  ['1h (all 360)', { span: '1h' }],
  ['24h (points=60)', { span: '24h', tierPoints: 60 }],
  ['24h (points=120)', { span: '24h', tierPoints: 120 }],
  ['24h (all 1440)', { span: '24h' }],
];

/**
 * Each snapshot in the encoding before (4 significant digits per point, every
 * column and `dt` an array) and now (snapshotJson), from one projection call;
 * and the page's snapshot event as its stream URL serves it.
 */
async function measureSnapshots(vigil: Vigil, queries: typeof SNAPSHOTS) {
  const settings = { interval: vigil.config.interval, window: vigil.config.window, history: vigil.config.history, heartbeat: vigil.config.heartbeat };
  const rows: { label: string; before: number; after: number }[] = [];
  for (const [label, filter, points] of queries) {
    const snap = vigil.projection.snapshot(settings, filter, false, vigil.hub.epoch, Date.now(), points);
    rows.push({ label, before: Buffer.byteLength(legacyJson(snap)), after: Buffer.byteLength(snapshotJson(snap)) });
  }
  const page = await streamSnapshotBytes(`${vigil.url}/${streamUrl(parseOptions(''), null)}`);
  const series = vigil.projection.size;
  await vigil.stop();
  return { rows, page, series };
}

/** Bytes of the `data:` of the first event (the snapshot) a stream URL sends. */
async function streamSnapshotBytes(url: string): Promise<number> {
  const ac = new AbortController();
  const res = await fetch(url, { signal: ac.signal });
  const reader = res.body!.getReader();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString();
    const m = /^data: (.*)$/m.exec(text.slice(text.indexOf('event: snapshot')));
    if (text.includes('event: snapshot') && m && text.indexOf('\n\n', text.indexOf('event: snapshot')) > 0) {
      ac.abort();
      return Buffer.byteLength(m[1]);
    }
  }
  throw new Error(`no snapshot from ${url}`);
}

/** The encoding before this one (baseline): every point at 4 significant digits, every column and dt an array. */
function legacyJson(snap: ExpandedSnapshot): string {
  const cols = (c: Record<string, (number | null)[]>) =>
    `{${Object.keys(c).map((k) => `${JSON.stringify(k)}:[${c[k].map((v) => (v === null ? 'null' : compactNumber(v))).join(',')}]`).join(',')}}`;
  const { groups, ...head } = snap;
  const body = groups.map(({ history, lo, hi, ...g }) => `${JSON.stringify(g).slice(0, -1)},"history":${cols(history)}${lo ? `,"lo":${cols(lo)}` : ''}${hi ? `,"hi":${cols(hi)}` : ''}}`);
  return `${JSON.stringify(head).slice(0, -1)},"groups":[${body.join(',')}]}`;
}

/** A real Vigil sampling this machine for `seconds`, nothing made up: the page's snapshot as it would be. */
async function realSnapshots(seconds: number) {
  const vigil = createVigil(parseConfig({ port: 0, logLevel: 'silent', dataDir: '', diskUsageInterval: 0 }), { pageDir: null });
  await vigil.start();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return measureSnapshots(vigil, SNAPSHOTS.slice(0, 1));
}

/** One way of writing the state: resolves with its main-thread time, longest hold of the loop (ms) and bytes written. */
type Writer = () => Promise<{ cpu: number; longest: number; bytes: number }>;

/**
 * Before (baseline): the whole state rewritten every interval, as TierPersister
 * did until the log: the rings' blocks handed to writev while the store holds its
 * folds, the footer, fsync, rename, the directory fsynced.
 */
function fullWriter(store: TierStore, dir: string): Writer {
  return async () => {
    let cpu = 0;
    let longest = 0;
    const timed = <T>(fn: () => T): T => {
      const t0 = performance.now();
      const r = fn();
      const d = performance.now() - t0;
      cpu += d;
      longest = Math.max(longest, d);
      return r;
    };
    const file = join(dir, 'full.bin');
    const fh = await open(`${file}.tmp`, 'w');
    const metas: ReturnType<typeof encodeGroup>['meta'][] = [];
    let offset = 16;
    store.hold();
    try {
      const buffers = timed(() => {
        const out: Buffer[] = [head()];
        for (const g of store.groups.values()) {
          const e = encodeGroup(g);
          e.meta.offset = offset;
          offset += e.bytes;
          metas.push(e.meta);
          for (const b of e.buffers) out.push(b);
        }
        return out;
      });
      for (let i = 0; i < buffers.length; i += 1024) await fh.writev(buffers.slice(i, i + 1024));
    } finally {
      timed(() => store.release());
    }
    const t = timed(() => tail(store.specs, metas, Date.now(), { generation: null, previous: null }));
    await fh.write(t);
    await fh.sync();
    await fh.close();
    await rename(`${file}.tmp`, file);
    const d = await open(dir, 'r');
    await d.sync();
    await d.close();
    return { cpu, longest, bytes: offset + t.length };
  };
}

/** TierPersister's write (`compactAt` 0: every write a whole state file, a compaction). */
async function persisterWriter(store: TierStore, dir: string, compactAt?: number): Promise<{ write: Writer; p: TierPersister }> {
  mkdirSync(dir);
  const p = new TierPersister(store, { dir, interval: 1e9, logger: pino({ level: 'silent' }), compactAt });
  // Its first write is a whole state file (there is none yet), not measured.
  await p.flush();
  const write: Writer = async () => {
    store.version++;
    await p.flush();
    return { cpu: p.lastWriteCpu / 1000, longest: p.lastWriteLongest / 1000, bytes: p.lastWriteBytes };
  };
  return { write, p };
}

/** One PERSIST_INTERVAL (10 s) of 1 Hz ticks of every series, folded at once (not measured). */
function interval(store: TierStore, clock: { t: number }): void {
  const keys = Array.from({ length: 100 }, (_, i) => `bench.series_${i}{model=m${i % 4}}`);
  for (let k = 0; k < 10; k++) {
    clock.t += 1000;
    for (let s = 0; s < 10; s++) {
      const values: Record<string, Stat> = {};
      for (let i = 0; i < keys.length; i++) values[keys[i]] = stat(50 + 40 * Math.sin(clock.t / 3.6e6 + i) + Math.random());
      store.fold('app', { t: clock.t, source: `src-${s}`, values });
    }
  }
}

/**
 * Three writes per run, `runs` runs after 3 unmeasured: the full rewrite
 * (before), the incremental write of one interval's ticks (now), and a
 * compaction (TierPersister with compactAt 0), while a tick every 100 ms keeps
 * the store changing.
 */
async function persist(store: TierStore) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-tiers-'));
  const clock = { t: Math.max(...[...store.groups.values()].map((g) => g.through)) };
  const inc = await persisterWriter(store, join(dir, 'inc'));
  const compaction = await persisterWriter(store, join(dir, 'compact'), 0);
  const writers = { before: fullWriter(store, dir), now: inc.write, compaction: compaction.write };
  type Figures = { cpu: number[]; longest: number[]; all: number[]; wall: number[]; bytes: number[]; busy: number[] };
  const fig = (): Figures => ({ cpu: [], longest: [], all: [], wall: [], bytes: [], busy: [] });
  const out = { before: fig(), now: fig(), compaction: fig() };
  const ticker = setInterval(() => store.fold('app', { t: (clock.t += 1000), source: 'src-0', values: { 'bench.series_0{model=m0}': stat(1) } }), 100);
  // Loop delay: how late a 5 ms timer fires, filed under idle (baseline: the machine is
  // shared, its own stalls show there) or writing. (monitorEventLoopDelay toggled on and
  // off counts the time it was off as one long delay, so it is not used here.)
  const idle: number[] = [];
  let phase = idle;
  let last = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    phase.push(Math.max(0, now - last - 5));
    last = now;
  }, 5);
  // Warm-up, not measured: a process that writes every 10 s for hours runs its writers optimised.
  for (let i = 0; i < 3; i++) {
    interval(store, clock);
    for (const write of Object.values(writers)) await write();
  }
  for (let i = 0; i < runs; i++) {
    // The incremental write carries exactly one interval: the ticks folded since its last write.
    interval(store, clock);
    for (const name of ['now', 'before', 'compaction'] as const) {
      await new Promise((r) => setTimeout(r, 500));
      const f = out[name];
      phase = f.busy;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const { cpu, longest, bytes } = await writers[name]();
      f.wall.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      phase = idle;
      f.all.push((c.user + c.system) / 1000);
      f.cpu.push(cpu);
      f.longest.push(longest);
      f.bytes.push(bytes);
    }
    if (inc.p.lastWrite !== 'log' || compaction.p.lastWrite !== 'base') throw new Error(`run ${i}: the incremental write was ${inc.p.lastWrite}, the compaction ${compaction.p.lastWrite}`);
  }
  clearInterval(ticker);
  clearInterval(probe);
  const size = statSync(join(dir, 'full.bin')).size;
  rmSync(dir, { recursive: true, force: true });
  const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)] ?? NaN;
  const sum = (f: Figures) => ({ cpu: median(f.cpu), longest: median(f.longest), all: median(f.all), wall: median(f.wall), bytes: median(f.bytes), p99: q(f.busy, 0.99), max: Math.max(...f.busy) });
  return { before: sum(out.before), now: sum(out.now), compaction: sum(out.compaction), idleP99: q(idle, 0.99), idleMax: Math.max(...idle), size };
}

const store = thousand();
const mem = memory(store);
const snap = persistOnly ? null : await snapshotBytes();
const real = !persistOnly && realSeconds > 0 ? await realSnapshots(realSeconds) : null;
const w = await persist(store);

const kb = (n: number) => fmt(n / 1000, 1);
const TARGETS: Record<string, number> = { '5m (history=60, the page)': 16_000, '24h (points=60)': 100_000 };
const snapRow = (label: string, r: { before: number; after: number }) => {
  const target = TARGETS[label.replace(/ after .*/, '')];
  return [label, kb(r.before), kb(r.after), fmt(r.after / r.before, 2), target ? `<= ${target / 1000}` : '', target ? (r.after <= target ? 'ok' : 'OVER') : ''];
};
if (snap) {
  console.log(`bench-tiers: snapshot bytes, ${snap.series} series (made-up history: each series' last value ±10 % at every point, at the sampler's precision; a day of tiers)\n`);
  console.log(
    table(
      ['snapshot (KB)', 'before: 4 digits, arrays', 'now: snapshotJson', 'ratio', 'target', 'verdict'],
      [
        ...snap.rows.map((r) => snapRow(r.label, r)),
        ['5m (history=60), as the page\'s stream URL serves it', '', kb(snap.page), '', '', ''],
        ...(real ? [snapRow(`5m (history=60, the page) after ${realSeconds} s of real sampling, ${real.series} series`, real.rows[0]), ['  the same, as the page\'s stream URL serves it', '', kb(real.page), '', '', '']] : []),
      ],
    ),
  );
}
// The log fills to COMPACT_AT of the state file between compactions: that many incremental writes, then one compaction.
const between = Math.floor((COMPACT_AT * w.compaction.bytes - LOG_HEAD) / w.now.bytes);
const amortized = (inc: number, compaction: number) => (between * inc + compaction) / (between + 1);
const amAll = amortized(w.now.all, w.compaction.all);
const amCpu = amortized(w.now.cpu, w.compaction.cpu);
console.log(`\nbench-tiers: ${store.size} series, ${runs} persist runs (each: one interval of ticks, then each writer in turn; medians); machine shared with other jobs\n`);
const verdict = (x: number, max: number) => (x <= max ? 'ok' : 'OVER');
const ratio = (a: number, b: number) => fmt(b / a, 3);
console.log(
  table(
    ['figure', 'before: full rewrite', 'now: log record', 'ratio', 'target', 'verdict'],
    [
      ['memory per series: raw ring | with all tiers (KB)', fmt(mem.raw / 1000, 1), fmt((mem.raw + mem.tiers) / 1000, 1), '', '<= 64', verdict(mem.raw + mem.tiers, 64_000)],
      ['persist write, main-thread time (ms)', fmt(w.before.cpu, 2), fmt(w.now.cpu, 2), ratio(w.before.cpu, w.now.cpu), '<= 20', verdict(w.now.cpu, 20)],
      ['persist write, longest hold of the loop (ms)', fmt(w.before.longest, 2), fmt(w.now.longest, 2), ratio(w.before.longest, w.now.longest), '<= 20', verdict(w.now.longest, 20)],
      ['persist write, process CPU incl. fs threads (ms)', fmt(w.before.all, 1), fmt(w.now.all, 1), ratio(w.before.all, w.now.all), '<= 20', verdict(w.now.all, 20)],
      ['persist write, wall incl. fsync (ms)', fmt(w.before.wall, 0), fmt(w.now.wall, 0), ratio(w.before.wall, w.now.wall), '', ''],
      ['persist write, bytes written (KB)', fmt(w.before.bytes / 1000, 0), fmt(w.now.bytes / 1000, 0), ratio(w.before.bytes, w.now.bytes), '', ''],
      ['loop delay p99 while writing (ms); idle: ' + fmt(w.idleP99, 1), fmt(w.before.p99, 1), fmt(w.now.p99, 1), '', '<= 20', verdict(w.now.p99, 20)],
      ['loop delay max while writing (ms); idle: ' + fmt(w.idleMax, 1), fmt(w.before.max, 1), fmt(w.now.max, 1), '', '', ''],
      ['compaction (state file + new log): main-thread | process CPU | wall (ms)', '', `${fmt(w.compaction.cpu, 1)} | ${fmt(w.compaction.all, 1)} | ${fmt(w.compaction.wall, 0)}`, '', '', ''],
      ['compaction: loop delay p99 | max (ms)', '', `${fmt(w.compaction.p99, 1)} | ${fmt(w.compaction.max, 1)}`, '', '', ''],
      [`log records between compactions (log to ${COMPACT_AT} of the state file)`, '0', String(between), '', '', ''],
      ['per interval incl. compactions, process CPU (ms)', fmt(w.before.all, 1), fmt(amAll, 1), ratio(w.before.all, amAll), '<= 20', verdict(amAll, 20)],
      ['per interval incl. compactions, main-thread time (ms)', fmt(w.before.cpu, 2), fmt(amCpu, 2), ratio(w.before.cpu, amCpu), '<= 20', verdict(amCpu, 20)],
      ['state file (MB)', fmt(w.size / 1e6, 1), fmt(w.compaction.bytes / 1e6, 1), '', '', ''],
    ],
  ),
);
