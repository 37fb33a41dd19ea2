/**
 * trace-gc: the renderer main thread's garbage collections in a Chromium trace
 * (`bench-page --trace S --trace-dir DIR` keeps them): scavenges and major GCs,
 * how many and ms per second of trace, and V8's reason for each major GC.
 *
 *   npx tsx scripts/trace-gc.ts FILE.json [FILE.json …]
 *
 * The scavenge and major-GC counts in docs/page.md ("Garbage from uPlot's
 * path builder") are of this kind: 60 s traces of the page and of the floor.
 */
import { readTrace } from './bench/trace-file.js';

const files = process.argv.slice(2);
if (!files.length) {
  console.error('usage: npx tsx scripts/trace-gc.ts FILE.json [FILE.json …]');
  process.exit(2);
}
for (const f of files) {
  const { main, slices } = readTrace(f);
  const mine = slices.filter((e) => e.pid === main.pid && e.tid === main.tid);
  const secs = (Math.max(...mine.map((e) => e.ts + e.dur)) - Math.min(...mine.map((e) => e.ts))) / 1e6;
  const row = (name: string) => {
    const es = mine.filter((e) => e.name === name);
    return `${name} ${es.length} (${(es.reduce((s, e) => s + e.dur, 0) / 1000 / secs).toFixed(3)} ms/s)`;
  };
  const reasons = mine.filter((e) => e.name === 'V8.GCIncrementalMarkingStart').map((e) => e.args?.value?.reason ?? e.args?.value?.gc_reason ?? '?');
  console.log(`${f} (${secs.toFixed(1)} s): ${row('MinorGC')}, ${row('MajorGC')}, ${row('V8.GCIncrementalMarking')}; major GCs started for: ${reasons.join('; ') || '-'}`);
}
