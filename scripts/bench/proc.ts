import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Clock ticks per second for /proc/<pid>/stat utime/stime (USER_HZ; 100 on every Linux we target). */
const HZ = 100;

/** CPU seconds (user + system) and resident set of one process, read from /proc, so the process needs no cooperation. */
export function procUsage(pid: number): { cpuSeconds: number; rssBytes: number; anonBytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces; fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  // RssAnon: the heap and native allocations, without the pages of node's binary and
  // libraries that new code paths touch (RssFile), which no client owns.
  const anonKb = Number(/RssAnon:\s+(\d+)/.exec(status)?.[1] ?? rssKb);
  return { cpuSeconds: (utime + stime) / HZ, rssBytes: rssKb * 1024, anonBytes: anonKb * 1024 };
}

/**
 * The resident set of `pids` (summed) sampled every `everyMs` for `ms`: the
 * median of the samples, so one reading taken just before or after a GC, or
 * while the young generation is full, does not decide the figure.
 */
export async function rssOver(pids: number[], ms: number, everyMs = 250): Promise<{ rssBytes: number; anonBytes: number; samples: number }> {
  const rss: number[] = [];
  const anon: number[] = [];
  const until = performance.now() + ms;
  for (;;) {
    const u = pids.map(procUsage);
    rss.push(u.reduce((s, x) => s + x.rssBytes, 0));
    anon.push(u.reduce((s, x) => s + x.anonBytes, 0));
    if (performance.now() + everyMs > until) break;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  const mid = (xs: number[]) => {
    const v = [...xs].sort((a, b) => a - b);
    const m = v.length >> 1;
    return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
  };
  return { rssBytes: mid(rss), anonBytes: mid(anon), samples: rss.length };
}

/** The machine line for a report: cores, CPU model, Node version. */
export function machine(): string {
  let model = 'unknown CPU';
  try {
    model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    /* not Linux */
  }
  const cores = os.availableParallelism();
  return `${cores} cores, ${model}, Node ${process.version}`;
}
