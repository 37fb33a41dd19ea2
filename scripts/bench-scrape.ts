/**
 * CPU per 1,000 scraped series per round (target ≤ 2 ms), beside the raw parse
 * cost, with parse-prometheus-text-format's parse of the same text for scale.
 *
 * A "series" is one sample line of the exposition, as Prometheus counts them.
 * The page is synthetic and vLLM/node_exporter-shaped, per 1,000 series: 300
 * gauges and 300 counters (10 names of 30 label sets each), 25 histograms of 12 buckets (350 lines), 10 summaries
 * of 3 quantiles (50 lines), each with 2 labels; its values move every round.
 *
 * Rows, each the median over --runs runs of --rounds rounds:
 * - parse (vigil): exposition.ts alone, with its series cache (as a target runs it);
 * - parse (parse-prometheus-text-format): the npm parser alone;
 * - round, in-process: parse + points + rates/quantiles + windows + publish;
 * - of which windows + publish: the same readings recorded and published alone;
 * - round, over HTTP: a real ScrapeTarget scraping a child process that serves
 *   the page (the child's CPU is not counted), i.e. what a target costs Vigil.
 *
 *   npx tsx scripts/bench-scrape.ts [--series 1000] [--rounds 200] [--runs 5]
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { pino } from 'pino';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { MemoryHub } from '../server/hub/memory-hub.js';
import { parseExposition, SeriesCache } from '../server/sources/scrape/exposition.js';
import { expositionPoints } from '../server/sources/scrape/exposition-points.js';
import { Folder } from '../server/sources/scrape/folder.js';
import { ScrapeTarget } from '../server/sources/scrape/scrape-target.js';
import { parseTargetSpec } from '../server/sources/scrape/target-spec.js';
import { SeriesWindows } from '../server/windows/series-windows.js';
import { median } from './bench/stats.js';
import { page } from './bench/scrape-page.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const SERIES = arg('series', 1000);
const ROUNDS = arg('rounds', 200);
const RUNS = arg('runs', 5);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** CPU ms per round of `fn` over ROUNDS rounds (pages made beforehand). */
function perRound(pages: string[], fn: (text: string, r: number) => void): number {
  const c0 = cpu();
  for (let r = 0; r < pages.length; r++) fn(pages[r], r);
  return (cpu() - c0) / pages.length;
}

function inProcess(pages: string[]): number {
  const hub = new MemoryHub({ capacity: 64 });
  const windows = new SeriesWindows({ span: 60_000 }, 100_000);
  const folder = new Folder(60_000);
  const cache = new SeriesCache();
  return perRound(pages, (text, r) => {
    const t = 1_000_000 + r * 1000;
    const { points } = expositionPoints(parseExposition(text, cache));
    const fold = folder.fold(points, t);
    fold.commit();
    const values: Record<string, ReturnType<SeriesWindows['record']>> = {};
    for (const x of fold.readings) values[x.key] = windows.record(x.key, 'bench', x.unit, t, x.v);
    hub.publish('app', { t, source: 'bench', values });
  });
}

/** Only the windows and the publish of the readings a round gives (what any source's readings cost). */
function windowsOnly(pages: string[]): number {
  const folder = new Folder(60_000);
  const cache = new SeriesCache();
  const rounds = pages.map((text, r) => {
    const fold = folder.fold(expositionPoints(parseExposition(text, cache)).points, 1_000_000 + r * 1000);
    fold.commit();
    return fold.readings;
  });
  const hub = new MemoryHub({ capacity: 64 });
  const windows = new SeriesWindows({ span: 60_000 }, 100_000);
  return perRound(pages, (_text, r) => {
    const t = 1_000_000 + r * 1000;
    const values: Record<string, ReturnType<SeriesWindows['record']>> = {};
    for (const x of rounds[r]) values[x.key] = windows.record(x.key, 'bench', x.unit, t, x.v);
    hub.publish('app', { t, source: 'bench', values });
  });
}

async function overHttp(port: number): Promise<number> {
  const spec = parseTargetSpec(`http://127.0.0.1:${port}/metrics;name=bench`);
  if (!spec.ok) throw new Error(spec.error);
  const target = new ScrapeTarget({
    spec: spec.spec,
    hub: new MemoryHub({ capacity: 64 }),
    windows: new SeriesWindows({ span: 60_000 }, 100_000),
    logger: pino({ level: 'silent' }),
    interval: 1000,
    window: 60_000,
    maxSeries: 100_000,
  });
  for (let i = 0; i < 3; i++) await target.scrape(); // warm: connection, JIT, windows
  const c0 = cpu();
  for (let r = 0; r < ROUNDS; r++) await target.scrape();
  if (target.state !== 'up') throw new Error(`bench target is ${target.state}: ${target.problem}`);
  return (cpu() - c0) / ROUNDS;
}

/** The child: serves page(SERIES, n) for the n-th request, so values move. */
function serve(): void {
  let n = 0;
  const srv = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(page(SERIES, n++)));
  srv.listen(0, '127.0.0.1', () => process.send!((srv.address() as { port: number }).port));
}

async function main(): Promise<void> {
  const child = fork(process.argv[1], ['--child', ...process.argv.slice(2)], { execArgv: process.execArgv });
  const port = await new Promise<number>((r) => child.once('message', (p) => r(p as number)));
  const pages = Array.from({ length: ROUNDS }, (_, r) => page(SERIES, r));
  const lines = pages[0].split('\n').filter((l) => l && !l.startsWith('#')).length;
  const rows: Record<string, number[]> = { vigil: [], npm: [], inproc: [], windows: [], http: [] };
  try {
    for (let run = 0; run < RUNS; run++) {
      // Alternating in one process, so a busy moment of the shared machine hits each alike.
      const cache = new SeriesCache();
      rows.vigil.push(perRound(pages, (t) => parseExposition(t, cache)));
      rows.npm.push(perRound(pages, (t) => parsePrometheusTextFormat(t)));
      rows.inproc.push(inProcess(pages));
      rows.windows.push(windowsOnly(pages));
      rows.http.push(await overHttp(port));
    }
  } finally {
    child.kill();
  }
  const per1k = (ms: number) => (ms * 1000) / lines;
  const fmt = (x: number) => x.toFixed(3).padStart(8);
  console.log(`\n${lines} series per round (${(pages[0].length / 1024).toFixed(0)} KiB), ${ROUNDS} rounds x ${RUNS} runs; CPU ms, medians of the runs (shared 2-core machine)\n`);
  console.log('| what | ms per round | ms per 1,000 series | vs parse (vigil) |');
  console.log('| --- | ---: | ---: | ---: |');
  const base = median(rows.vigil);
  for (const [k, label] of [
    ['vigil', 'parse (vigil, exposition.ts)'],
    ['npm', 'parse (parse-prometheus-text-format)'],
    ['inproc', 'round in-process: parse, points, rates/quantiles, windows, publish'],
    ['windows', '  of which windows + publish of its readings (any source pays these)'],
    ['http', 'round over HTTP: a real ScrapeTarget (target ≤ 2 ms per 1,000)'],
  ] as const) {
    const m = median(rows[k]);
    console.log(`| ${label} | ${fmt(m)} | ${fmt(per1k(m))} | ${(m / base).toFixed(2)}x |`);
  }
}

if (process.argv.includes("--child")) serve();
else if (process.argv.includes("--dump")) (await import("node:fs")).writeFileSync("/tmp/pages.json", JSON.stringify(Array.from({ length: 100 }, (_, r) => page(SERIES, r))));
else await main();
