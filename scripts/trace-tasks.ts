/**
 * trace-tasks: what a Chromium trace's threads did (`bench-page --trace S
 * --trace-dir DIR` keeps the traces).
 *
 *   npx tsx scripts/trace-tasks.ts FILE.json [FILE.json …] [--top 12]
 *
 * For each trace: every thread's busy time (its outermost slices), ms per
 * second of trace, the page's renderer's threads and the others (the GPU
 * process's VizCompositorThread, the browser's main); then the renderer main
 * thread's tasks grouped by what runs inside them (the first four nested slice
 * names under each task), each with its count and ms/s. The stream's task
 * (`ResponseBodyLoader` → `v8.callFunction`), the stream worker's message
 * (`HandlePostMessage`) and the frame (`ProxyMain::BeginMainFrame`) show apart.
 */
import { parseArgs } from 'node:util';
import { mainThreadTasks, readTrace, type Slice } from './bench/trace-file.js';

const { values: opts, positionals: files } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '12' } } });
if (!files.length) {
  console.error('usage: npx tsx scripts/trace-tasks.ts FILE.json [FILE.json …] [--top 12]');
  process.exit(2);
}
/** Slices that only wrap a task: skipped when naming what a task did. */
const WRAPPERS = new Set(['RunTask', 'ThreadControllerImpl::RunTask', 'BlinkScheduler_PerformMicrotaskCheckpoint']);

for (const f of files) {
  const trace = readTrace(f);
  const { main, slices, secs } = trace;
  const threadName = new Map(trace.events.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => [`${e.pid}:${e.tid}`, e.args?.name ?? '?']));
  const perMs = (us: number) => (us / 1000 / secs).toFixed(3).padStart(8);

  // Each thread's outermost slices, nested ones not counted twice.
  const busy = new Map<string, number>();
  const until = new Map<string, number>();
  for (const e of slices) {
    const k = `${e.pid}:${e.tid}`;
    if ((until.get(k) ?? -Infinity) > e.ts) continue;
    until.set(k, e.ts + e.dur);
    busy.set(k, (busy.get(k) ?? 0) + e.dur);
  }
  console.log(`${f} (${secs.toFixed(1)} s)\n  threads, ms/s:`);
  for (const [k, us] of [...busy].sort((a, b) => b[1] - a[1]).slice(0, Number(opts.top))) {
    console.log(`  ${perMs(us)}  ${k.startsWith(`${main.pid}:`) ? 'renderer' : 'other   '}  ${threadName.get(k) ?? k}`);
  }

  const byKind = new Map<string, { n: number; us: number }>();
  for (const r of mainThreadTasks(trace)) {
    const names: string[] = [];
    const walk = (e: Slice, depth: number) => {
      if (depth > 6 || names.length >= 4) return;
      if (!WRAPPERS.has(e.name)) names.push(e.name);
      for (const k of e.kids) walk(k, depth + 1);
    };
    walk(r, 0);
    const kind = names.join(' > ') || '(a task with nothing traced inside)';
    const a = byKind.get(kind) ?? { n: 0, us: 0 };
    a.n++;
    a.us += r.dur;
    byKind.set(kind, a);
  }
  console.log('  main-thread tasks by what runs inside, ms/s:');
  for (const [kind, { n, us }] of [...byKind].sort((a, b) => b[1].us - a[1].us).slice(0, Number(opts.top))) {
    console.log(`  ${perMs(us)}  n=${String(n).padStart(5)}  ${kind}`);
  }
}
