/**
 * trace-medians: the renderer main thread's tasks in a Chromium trace, by
 * kind, as medians per task (a frame, the stream's network task, the stream
 * worker's message, a timer, other), with the median time of each event nested in them.
 *
 *   npx tsx scripts/trace-medians.ts FILE.json [--top 30]
 *
 * FILE is a trace kept by `bench-page --trace S --trace-dir DIR`. A median
 * per frame holds where a busy % over a minute moves with the machine: the
 * figures in docs/page.md ("Where the time goes now") come from it.
 */
import { parseArgs } from 'node:util';
import { mainThreadTasks, readTrace, type Slice } from './bench/trace-file.js';

const { values: args, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' } } });
if (positionals.length !== 1) {
  console.error('usage: npx tsx scripts/trace-medians.ts FILE.json [--top 30]');
  process.exit(2);
}
const roots = mainThreadTasks(readTrace(positionals[0]));

// Per top-level task: the total of each event name inside it (and its self time); the task's kind by what it holds.
const per = new Map<string, number[]>();
const add = (key: string, v: number) => (per.get(key) ?? per.set(key, []).get(key)!).push(v);
for (const r of roots) {
  const acc = new Map<string, number>();
  const walk = (e: Slice) => {
    const self = e.dur - e.kids.reduce((s, k) => s + k.dur, 0);
    acc.set(e.name, (acc.get(e.name) ?? 0) + e.dur);
    acc.set(`${e.name} self`, (acc.get(`${e.name} self`) ?? 0) + self);
    e.kids.forEach(walk);
  };
  walk(r);
  const kind = acc.has('ProxyMain::BeginMainFrame') ? 'frame' : acc.has('ResponseBodyLoader::OnStateChange') ? 'net' : acc.has('HandlePostMessage') ? 'worker message' : acc.has('TimerBase::run') ? 'timer' : 'other';
  for (const [k, v] of acc) add(`${kind} | ${k}`, v);
  add(`${kind} | TASK`, r.dur);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`${positionals[0]}: medians per task, ms (rows seen in at least 5 tasks)`);
const rows = [...per].filter(([, v]) => v.length >= 5).map(([k, v]) => [k, median(v), v.length] as const);
for (const [k, m, n] of rows.sort((a, b) => b[1] - a[1]).slice(0, Number(args.top))) console.log(`${(m / 1000).toFixed(3).padStart(8)} ms  n=${String(n).padStart(4)}  ${k}`);
