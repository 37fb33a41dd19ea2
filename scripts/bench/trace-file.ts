import { readFileSync } from 'node:fs';

/** One event of a Chromium trace (the JSON `bench-page --trace-dir` keeps). */
export interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  args?: { name?: string; value?: { reason?: string; gc_reason?: string } };
}

/** A complete slice, with the slices nested in it on its thread. */
export interface Slice extends TraceEvent {
  dur: number;
  kids: Slice[];
}

export interface Trace {
  events: TraceEvent[];
  /** The renderer main thread's (CrRendererMain's) process and thread. */
  main: { pid: number; tid: number };
  /** Every complete slice of the trace, by start (the longer first at a tie). */
  slices: Slice[];
  /** Seconds from the first slice's start to the last one's end. */
  secs: number;
}

export function readTrace(file: string): Trace {
  const { traceEvents: events } = JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: TraceEvent[] };
  const main = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  if (!main) throw new Error(`${file}: no CrRendererMain thread in the trace`);
  const slices = events
    .filter((e): e is Slice => e.ph === 'X' && typeof e.dur === 'number')
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const secs = slices.length ? (Math.max(...slices.map((e) => e.ts + e.dur)) - Math.min(...slices.map((e) => e.ts))) / 1e6 : 0;
  return { events, main: { pid: main.pid, tid: main.tid }, slices, secs };
}

/** The main thread's slices as trees (slices on one thread nest by time): its tasks, each with what ran inside. */
export function mainThreadTasks(t: Trace): Slice[] {
  const roots: Slice[] = [];
  const stack: Slice[] = [];
  for (const e of t.slices) {
    if (e.pid !== t.main.pid || e.tid !== t.main.tid) continue;
    e.kids = [];
    while (stack.length && stack[stack.length - 1].ts + stack[stack.length - 1].dur <= e.ts) stack.pop();
    if (stack.length) stack[stack.length - 1].kids.push(e);
    else roots.push(e);
    stack.push(e);
  }
  return roots;
}
