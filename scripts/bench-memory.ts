/**
 * Memory and idle benchmark: what a server costs with no client, and what each
 * open stream keeps in its JavaScript heap. For each target:
 * 1. start it (node --heapsnapshot-signal=SIGUSR2), read its CPU over --idle s
 *    with no client: the fixed cost that bench-fanout's "cpu %/1k" divides among clients;
 * 2. heap snapshot (V8 collects garbage first), open --clients streams, wait
 *    --settle s, heap snapshot again: (live heap after − before) / clients is
 *    what one client holds, without the garbage and V8 headroom that RSS counts.
 *
 * 3. with --top N, the N kinds of heap object (constructor or V8 type) that grew
 *    most, per client: where a client's bytes are.
 *
 *   npx tsx scripts/bench-memory.ts [--clients 1000] [--idle 20] [--settle 10] [--repeat 2] [--only vigil,floor,esm] [--top 15]
 * Needs `npm run build` first (Vigil runs from dist/).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LoadPool } from './bench/load.js';
import { machine, procUsage } from './bench/proc.js';
import { fmt, median, sleep, table } from './bench/stats.js';
import { startTarget, VIGIL_NODE_FLAGS, type TargetName } from './bench/targets.js';

const { values: a } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    idle: { type: 'string', default: '20' },
    settle: { type: 'string', default: '10' },
    repeat: { type: 'string', default: '2' },
    only: { type: 'string', default: 'vigil,floor,esm' },
    top: { type: 'string', default: '0' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (a.help) {
  console.log('usage: npx tsx scripts/bench-memory.ts [--clients 1000] [--idle 20] [--settle 10] [--repeat 2] [--only vigil,floor,esm] [--top 15]');
  process.exit(0);
}
const clients = Number(a.clients);
const idle = Number(a.idle);
const settle = Number(a.settle);
const repeat = Number(a.repeat);
const only = a.only.split(',') as TargetName[];
const top = Number(a.top);
if (!(clients > 0 && clients <= 15_000) || !(idle > 0) || !(settle >= 0) || !(repeat >= 1 && repeat <= 10) || only.some((t) => !['vigil', 'floor', 'express', 'esm'].includes(t))) {
  console.error('--clients 1..15000, --idle > 0, --settle >= 0, --repeat 1..10, --only of vigil,floor,express,esm');
  process.exit(2);
}

interface Heap {
  total: number;
  /** Self size by kind: an object's constructor name, or V8's node type (string, closure, code…). */
  byKind: Map<string, { bytes: number; count: number }>;
}

/** Every node's self size in a V8 heap snapshot (the live heap after the GC it forces), in total and by kind. */
function readHeap(file: string): Heap {
  const h = JSON.parse(readFileSync(file, 'utf8')) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[]; strings: string[] };
  const fields = h.snapshot.meta.node_fields;
  const types = h.snapshot.meta.node_types[0];
  const [size, type, name] = ['self_size', 'type', 'name'].map((f) => fields.indexOf(f));
  const byKind = new Map<string, { bytes: number; count: number }>();
  let total = 0;
  for (let i = 0; i < h.nodes.length; i += fields.length) {
    const bytes = h.nodes[i + size];
    total += bytes;
    const t = types[h.nodes[i + type]];
    const kind = t === 'object' || t === 'native' ? h.strings[h.nodes[i + name]] : `(${t})`;
    const k = byKind.get(kind) ?? { bytes: 0, count: 0 };
    k.bytes += bytes;
    k.count++;
    byKind.set(kind, k);
  }
  return { total, byKind };
}

/** Signals the process to write a heap snapshot into `dir` and returns the file once written. */
async function snapshot(pid: number, dir: string): Promise<string> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    await sleep(500);
    const file = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (!file) continue;
    // Written in one go; it is complete once its size stops changing.
    const path = join(dir, file);
    const size = statSync(path).size;
    await sleep(1000);
    if (statSync(path).size === size && size > 0) return path;
  }
  throw new Error(`no heap snapshot from ${pid} within 60 s`);
}

interface Run {
  idleCpu: number;
  before: number;
  after: number;
  reached: number;
  /** Kinds that grew most: [kind, bytes per client, objects per client]. */
  grew: Array<[string, number, number]>;
}

async function runOnce(name: TargetName): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-heap-'));
  const target = await startTarget(name, [800], 1, [...VIGIL_NODE_FLAGS, '--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`]);
  const pool = LoadPool.start(2);
  try {
    await sleep(2000);
    const c0 = procUsage(target.pid).cpuSeconds;
    await sleep(idle * 1000);
    const idleCpu = (100 * (procUsage(target.pid).cpuSeconds - c0)) / idle;
    const before = readHeap(await snapshot(target.pid, dir));
    const opened = await pool.open(target.url, target.kind, clients, 100, 60_000);
    await sleep(settle * 1000);
    const after = readHeap(await snapshot(target.pid, dir));
    const n = Math.max(1, opened.ready);
    const grew = [...after.byKind]
      .map(([kind, k]): [string, number, number] => [kind, (k.bytes - (before.byKind.get(kind)?.bytes ?? 0)) / n, (k.count - (before.byKind.get(kind)?.count ?? 0)) / n])
      .sort((x, y) => y[1] - x[1])
      .slice(0, top);
    return { idleCpu, before: before.total, after: after.total, reached: opened.ready, grew };
  } finally {
    await pool.close();
    await target.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const started = Date.now();
const rows: string[][] = [];
for (const name of only) {
  const runs: Run[] = [];
  for (let i = 0; i < repeat; i++) {
    const r = await runOnce(name);
    console.error(`  ${name} run ${i + 1}: idle cpu ${fmt(r.idleCpu, 2)} %, heap ${fmt(r.before / 1e6)} -> ${fmt(r.after / 1e6)} MB with ${r.reached} clients`);
    runs.push(r);
    if (top > 0) {
      console.error(`  ${name} run ${i + 1}: what grew most, per client`);
      console.error(table(['kind', 'bytes/client', 'objects/client'], r.grew.map(([k, b, c]) => [k.slice(0, 60), fmt(b, 0), fmt(c, 2)])).replace(/^/gm, '    '));
    }
  }
  const m = (f: (r: Run) => number) => median(runs.map(f));
  rows.push([
    name,
    String(clients),
    String(Math.min(...runs.map((r) => r.reached))),
    fmt(m((r) => r.idleCpu), 2),
    fmt(m((r) => r.before) / 1e6),
    fmt(m((r) => r.after) / 1e6),
    fmt(m((r) => (r.after - r.before) / Math.max(1, r.reached)) / 1024),
    String(repeat),
  ]);
}
console.log(`\nbench-memory ${new Date().toISOString()} (${machine()}); medians of ${repeat} run(s); idle ${idle} s, settle ${settle} s\n`);
console.log(table(['target', 'clients', 'reached', 'idle cpu %', 'heap before MB', 'heap after MB', 'heap KB/client', 'runs'], rows));
console.log(`\nidle cpu %: server CPU time with no client / wall time, % of one core. heap: live JS heap (self sizes in a V8 heap snapshot, taken after a GC). Took ${fmt((Date.now() - started) / 1000, 0)} s.`);
