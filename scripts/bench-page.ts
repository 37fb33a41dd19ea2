/**
 * bench-page: what the wall-display page costs the browser.
 *
 *   npx tsx scripts/bench-page.ts [--minutes 1] [--tiles 50] [--rates 1,10] [--no-dpr-compare]
 *                                 [--no-floor] [--uncapped] [--judged] [--baseline DIR --rounds 3] [--trace S [--trace-dir DIR]]
 *                                 [--init-script FILE] [--inject FILE] [--default-view]
 *
 * Starts a real Vigil on port 0 whose only source is a synthetic channel of
 * `--tiles` metrics, sampled at each rate; opens the page in headless Chromium
 * (/usr/bin/chromium); after a warm-up, measures over `--minutes`:
 *   - main-thread busy %: CDP Performance.getMetrics TaskDuration delta / wall time
 *     (script, layout and style recalc shown apart);
 *   - renderer CPU %: the ProcessTime delta / wall time, every thread of the
 *     page's renderer (main, compositor, raster, any worker), so work moved
 *     off the main thread still shows;
 *   - renderer RSS: the resident memory of the page's renderer process (of this
 *     browser's profile, the largest renderer but its UI's: the others are
 *     Chromium's spare), read from `ps` with every heap reading; native memory
 *     (canvases, buffers) that the JS heap does not show;
 *   - JS heap: JSHeapUsedSize after HeapProfiler.collectGarbage at the start,
 *     every minute and at the end; "drift" is end vs start, "settled drift" the
 *     median of the last ten readings vs that of minutes 1-10 (runs of 20+ min).
 * Each row runs beside its floor (unless --no-floor): a bare page of the same
 * number of uPlot sparklines, of the size the Vigil page's sparklines had in the
 * row before, at the same pixel ratio, fed the same kind of points at the same
 * rate from a timer in the page (no network, no DOM text, no framework): what
 * drawing the sparklines alone costs. With the DPR comparison (default on), every
 * rate also runs on a 3840×2160 DPR-2 screen (a 4K TV in kiosk: 1920×1080 CSS
 * pixels) with the page's default pixel-ratio cap (1), beside its floor at the
 * same cap; --uncapped adds the page at ?dpr=2. `reloads` counts navigations of
 * the page after it first loaded: a wall display must never reload itself.
 * Targets: busy ≤ 1.2× the floor's at 1 Hz, heap within 10%.
 *
 * `--judged` gives every tile levels (a dashboards file with warn and critical
 * inside each metric's range, so states change as the waves cross them).
 * `--trace S` records S seconds of a Chromium trace after each row's measured
 * window and prints the renderer main thread's self time by kind (script,
 * gc, style, layout, paint, layerize, commit) and the heaviest events;
 * `--trace-dir DIR` also keeps each trace there (DevTools' Performance panel
 * loads it; it shows which event ran under which: how HitTest under
 * OverlayInterstitialAdDetector was found).
 * `--profile S` samples S seconds of the Vigil page's JavaScript (CDP Profiler)
 * and prints the functions with the most self time; `--alloc S` samples what
 * the page's JavaScript allocates for S seconds (CDP HeapProfiler sampling),
 * KB per second by function: GC time follows it.
 * `--default-view` opens the page's default view instead of the kiosk: with
 * many `--tiles` a page several screens long (the text layer covers two).
 * For experiments, `--init-script FILE` runs FILE in the Vigil page before its
 * own scripts and `--inject FILE` once its tiles show (e.g. a CSS rule to try).
 * `--heap-snapshots DIR` takes a V8 heap snapshot of each Vigil row at the
 * start and at the end of its measured window, keeps both in DIR (DevTools
 * opens them) and prints the kinds of object that grew between them. Every
 * heap reading is also logged as it is taken, with the page's DOM node and
 * event-listener counts, so a long run shows whether the heap climbs or settles.
 * `--baseline DIR` runs, for each row, another build of the page (e.g. main's,
 * built into DIR) against the same server, alternating with this one for
 * `--rounds` rounds, and prints the medians side by side.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import type { CDPSession, Page } from 'playwright-core';
import { parseConfig } from '../server/config.js';
import type { Reading, Source } from '../server/sources/sampler.js';
import { createVigil } from '../server/vigil.js';
import { launchBrowser } from '../tests/helpers/browser.js';
import { diffCensus, type HeapCensus, takeCensus } from './bench/heap-diff.js';
import { allocationsOf, profilePage, type TraceBreakdown, tracePage } from './bench/page-trace.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '1' },
    tiles: { type: 'string', default: '50' },
    rates: { type: 'string', default: '1,10' },
    'no-dpr-compare': { type: 'boolean', default: false },
    'no-floor': { type: 'boolean', default: false },
    uncapped: { type: 'boolean', default: false },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    judged: { type: 'boolean', default: false },
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '1' },
    trace: { type: 'string', default: '0' },
    'trace-dir': { type: 'string' },
    profile: { type: 'string', default: '0' },
    alloc: { type: 'string', default: '0' },
    'init-script': { type: 'string' },
    inject: { type: 'string' },
    'heap-snapshots': { type: 'string' },
    'default-view': { type: 'boolean', default: false },
  },
});
const rounds = Math.max(1, Number(args.rounds) || 1);
const minutes = Number(args.minutes);
const tiles = Number(args.tiles);
const rates = args.rates.split(',').map(Number);
if (!(minutes > 0) || !(tiles > 0) || rates.some((r) => !(r > 0 && r <= 10))) {
  console.error('usage: bench-page [--minutes N>0] [--tiles N>0] [--rates 1,10 (each 0 < Hz ≤ 10)] [--no-dpr-compare]');
  process.exit(2);
}

const units = ['%', 'B', 'B/s', 'ms', '/s', ''];
const scale: Record<string, number> = { '%': 100, B: 4e9, 'B/s': 5e6, ms: 50, '/s': 500, '': 10 };
const metricName = (i: number) => `app.bench.m${String(i).padStart(2, '0')}`;

/**
 * One judged tile per metric, levels at 75 % and 85 % of its scale (the waves
 * span 15-95 %), with a hysteresis of 10 % of the scale, as wide as the noise,
 * as a user would set against flapping: each tile then changes state four
 * times per 44 s wave, 4.5 changes a second over 50 tiles, far more than a wall
 * normally sees.
 */
function judgedDashboards(n: number): string {
  const tilesOf = Array.from({ length: n }, (_, i) => {
    const s = scale[units[i % units.length]];
    return { metric: metricName(i), warn: 0.75 * s, critical: 0.85 * s, hysteresis: 0.1 * s };
  });
  const path = join(mkdtempSync(join(tmpdir(), 'vigil-bench-page-')), 'dashboards.json');
  writeFileSync(path, JSON.stringify({ dashboards: { default: { title: 'Bench', sections: [{ title: 'Bench', tiles: tilesOf }] } } }));
  return path;
}

/** `tiles` metrics on the app channel: a few units, slow waves plus noise. */
function syntheticSource(n: number): Source {
  return {
    channel: 'app',
    sample(now: number): Reading[] {
      const out: Reading[] = [];
      for (let i = 0; i < n; i++) {
        const unit = units[i % units.length];
        const v = scale[unit] * (0.5 + 0.35 * Math.sin(now / 7000 + i) + 0.1 * Math.random());
        out.push({ name: metricName(i), unit, v });
      }
      return out;
    },
  };
}

interface Row {
  rate: number;
  screenDpr: number;
  query: string;
  label: string;
  /** Which build of the page; null: this one. */
  pageDir: string | null;
  /** The bare-uPlot floor instead of Vigil's page. */
  floor?: boolean;
}

const plan: Row[] = [];
for (const screenDpr of args['no-dpr-compare'] ? [1] : [1, 2]) {
  for (const rate of rates) plan.push({ rate, screenDpr, query: '', label: screenDpr === 1 ? '1920x1080 DPR 1' : '3840x2160 DPR 2, cap 1', pageDir: null });
}
if (args.uncapped) plan.push({ rate: Math.max(...rates), screenDpr: 2, query: '?dpr=2', label: '3840x2160 DPR 2, ?dpr=2 (uncapped)', pageDir: null });
// Alternating rounds: baseline, this page, floor, baseline, … so drifts in the machine's load hit all.
const rows: Row[] = [];
for (let r = 0; r < rounds; r++)
  for (const row of plan) {
    if (args.baseline) rows.push({ ...row, label: `${row.label}, baseline`, pageDir: args.baseline });
    rows.push({ ...row, label: `${row.label}${args.baseline ? ', this page' : ''}` });
    if (!args['no-floor'] && !row.query) rows.push({ ...row, floor: true });
  }
const dashboards = args.judged ? judgedDashboards(tiles) : undefined;

const UPLOT = createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js');

/**
 * The floor: `n` uPlot sparklines of `w`×`h` CSS pixels drawn as the page draws
 * them (same options: no axes, cursor, legend or fill; a 2 px line) at pixel
 * ratio ≤ `cap`; floorScript then draws `n` of them, each over `points` points
 * pushed at `rate` Hz by a timer, all `setData` calls in one animation frame.
 */
function floorHtml(w: number, h: number, cap: number): string {
  return `<!doctype html><html><head><style>body{margin:0;background:#111;display:flex;flex-wrap:wrap;gap:8px}div{width:${w}px;height:${h}px}</style>
<script>{const d=Object.getOwnPropertyDescriptor(Window.prototype,'devicePixelRatio')||Object.getOwnPropertyDescriptor(window,'devicePixelRatio');const g=d.get?()=>d.get.call(window):()=>d.value;Object.defineProperty(window,'devicePixelRatio',{configurable:true,get:()=>Math.min(g(),${cap})});}</script>
</head><body></body></html>`;
}

interface FloorConfig {
  n: number;
  w: number;
  h: number;
  rate: number;
  points: number;
}

function floorScript(cfg: FloorConfig): void {
  const U = (window as unknown as { uPlot: new (o: object, d: unknown, el: HTMLElement) => { setData(d: unknown): void } }).uPlot;
  const plots: Array<{ u: { setData(d: unknown): void }; xs: Float64Array; ys: Float64Array }> = [];
  let t = 0;
  for (let i = 0; i < cfg.n; i++) {
    const el = document.body.appendChild(document.createElement('div'));
    const xs = new Float64Array(cfg.points).map((_, k) => k);
    const ys = new Float64Array(cfg.points).map((_, k) => 50 + 35 * Math.sin(k / 7 + i));
    const u = new U(
      { width: cfg.w, height: cfg.h, cursor: { show: false }, legend: { show: false }, select: { show: false, left: 0, top: 0, width: 0, height: 0 }, axes: [{ show: false }, { show: false }], scales: { x: { time: false }, y: { range: i % 6 === 0 ? [0, 100] : undefined } }, series: [{}, { stroke: '#4cc9f0', width: 2, points: { show: false } }], padding: [4, 0, 2, 0] },
      [xs, ys],
      el,
    );
    plots.push({ u, xs, ys });
  }
  (window as unknown as { floorFrames: number }).floorFrames = 0;
  setInterval(() => {
    t++;
    for (let i = 0; i < plots.length; i++) {
      const p = plots[i];
      p.xs.copyWithin(0, 1);
      p.ys.copyWithin(0, 1);
      p.xs[cfg.points - 1] = cfg.points + t;
      p.ys[cfg.points - 1] = 50 + 35 * Math.sin((cfg.points + t) / 7 + i) + 10 * Math.random();
    }
    requestAnimationFrame(() => {
      (window as unknown as { floorFrames: number }).floorFrames++;
      for (const p of plots) p.u.setData([p.xs, p.ys]);
    });
  }, 1000 / cfg.rate);
}

async function metrics(cdp: CDPSession): Promise<Record<string, number>> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
}

/** The RSS (MB) of the largest renderer of a browser's profile but its UI's: the page's (see the header); NaN if none. */
function rendererRss(profile: string): number {
  let kb = NaN;
  for (const line of execFileSync('ps', ['-eo', 'rss=,args='], { encoding: 'utf8' }).split('\n')) {
    if (!line.includes('--type=renderer') || !line.includes(`--user-data-dir=${profile}`) || line.includes('--top-chrome-webui')) continue;
    const rss = Number(line.trim().split(/\s+/, 1)[0]);
    if (!(rss <= kb)) kb = rss;
  }
  return kb / 1024;
}

async function heapAfterGc(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  return (await metrics(cdp)).JSHeapUsedSize;
}

/**
 * Whether the heap still climbs once the page has settled: the median of the
 * last ten readings against the median of minutes 1-10 (the first reading,
 * 15 s after load, is before the rings are full; one reading after GC can
 * catch a tick's strings in flight). '-' under 21 readings (20 minutes).
 */
function settledDrift(heaps: readonly number[]): string {
  if (heaps.length < 21) return '-';
  const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const [a, b] = [median(heaps.slice(1, 11)), median(heaps.slice(-10))];
  const d = (100 * (b - a)) / a;
  return `${d >= 0 ? '+' : ''}${d.toFixed(1)}%`;
}

async function waitForTiles(page: Page, n: number): Promise<void> {
  await page.waitForFunction((n) => document.querySelectorAll('.tile').length >= n && !!document.querySelector('.conn[data-state="live"]'), n, {
    timeout: 30_000,
  });
}

/**
 * This page, built afresh for production into a temporary directory, as a
 * baseline DIR is (`npx vite build --outDir DIR`). Not dist/web: the e2e tests
 * rebuild that under vitest, whose build is a development one (larger, with
 * development checks), which would weigh on this page's side of the ratio.
 */
async function buildPage(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'bench-page-web-'));
  process.on('exit', () => rmSync(outDir, { recursive: true, force: true }));
  const { build } = await import('vite');
  await build({ configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)), mode: 'production', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  return outDir;
}
const pageDir = await buildPage();
const results: string[][] = [];
const traceSeconds = Number(args.trace) || 0;
const traces: Array<[string, TraceBreakdown]> = [];
/** The sparkline size of the last Vigil row per screen, and its points, for its floor. */
const sparkOf = new Map<number, { w: number; h: number; points: number }>();
for (const row of rows) {
  const interval = Math.round(1000 / row.rate);
  const config = parseConfig({ port: 0, host: '127.0.0.1', logLevel: 'silent', interval, diskUsageInterval: 0, dashboards });
  const vigil = row.floor ? null : createVigil(config, { sources: () => [syntheticSource(tiles)], pageDir: row.pageDir ?? pageDir });
  await vigil?.start();
  const browser = await launchBrowser(args.chromium, { viewport: { width: 1920, height: 1080 }, deviceScaleFactor: row.screenDpr });
  try {
    const page = await browser.context.newPage();
    let reloads = -1;
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) reloads++;
    });
    const frames = row.floor
      ? () => page.evaluate(() => (window as unknown as { floorFrames: number }).floorFrames)
      : () => page.evaluate(() => (window as unknown as { vigil: { loop: { frames: number } } }).vigil.loop.frames);
    if (vigil && args['init-script']) await page.addInitScript({ path: args['init-script'] });
    if (vigil) {
      await page.goto(`${vigil.url}/${row.query}${args['default-view'] ? '' : `${row.query ? '&' : '?'}kiosk`}`);
      await waitForTiles(page, tiles);
      sparkOf.set(
        row.screenDpr,
        await page.evaluate(() => {
          // The sparkline's own box: its row (.spark-slot) where a canvas covers more of the tile (main at e8c96e8 drew its text into a canvas over the value row to the footer).
          const el = document.querySelector<HTMLElement>('.tile .spark-slot') ?? document.querySelector<HTMLElement>('.tile .spark')!;
          // 60: the points the page asks for by default (?points=).
          return { w: el.clientWidth, h: el.clientHeight, points: 60 };
        }),
      );
      // CDP evaluation: the page's CSP (script-src 'self') would refuse a script tag.
      if (args.inject) await page.evaluate(readFileSync(args.inject, 'utf8'));
    } else {
      const sp = sparkOf.get(row.screenDpr) ?? { w: 300, h: 60, points: 60 };
      await page.setContent(floorHtml(sp.w, sp.h, 1));
      await page.addScriptTag({ path: UPLOT });
      await page.evaluate(floorScript, { n: tiles, w: sp.w, h: sp.h, rate: row.rate, points: Math.max(2, sp.points) });
    }
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' } as never);
    await page.waitForTimeout(15_000); // warm-up: JIT, first full redraws, start-up garbage
    const snapshots = vigil && args['heap-snapshots'] ? args['heap-snapshots'] : null;
    const snapName = (at: string) => join(snapshots!, `${row.rate}hz-dpr${row.screenDpr}-${at}.heapsnapshot`);
    const censuses: HeapCensus[] = [];
    if (snapshots) censuses.push(await takeCensus(cdp, snapName('start')));
    const heaps = [await heapAfterGc(cdp)];
    const rss: number[] = [];
    const t0 = performance.now();
    const logHeap = async () => {
      const m = await metrics(cdp);
      rss.push(rendererRss(browser.profile));
      process.stderr.write(
        `heap ${((performance.now() - t0) / 60_000).toFixed(1)} min: ${(heaps[heaps.length - 1] / 1048576).toFixed(2)} MB after GC, ${m.Nodes} DOM nodes, ${m.JSEventListeners} listeners, renderer RSS ${rss[rss.length - 1].toFixed(1)} MB\n`,
      );
    };
    await logHeap();
    const m0 = await metrics(cdp);
    const f0 = await frames();
    const renders0 = row.floor ? null : await page.evaluate(() => (window as unknown as { vigil: { renders?: number } }).vigil.renders ?? null);
    const end = t0 + minutes * 60_000;
    while (performance.now() < end) {
      await page.waitForTimeout(Math.min(60_000, end - performance.now()));
      if (performance.now() < end - 1000) {
        heaps.push(await heapAfterGc(cdp));
        await logHeap();
      }
    }
    const m1 = await metrics(cdp);
    const wall = (performance.now() - t0) / 1000;
    const f1 = await frames();
    const renders = row.floor ? null : await page.evaluate(() => (window as unknown as { vigil: { renders?: number } }).vigil.renders ?? null);
    // Before the snapshot and the trace, which pause the page long enough to make tiles stale.
    const tilesShown = row.floor ? tiles : await page.locator('.tile:not(.stale)').count();
    heaps.push(await heapAfterGc(cdp));
    await logHeap();
    if (snapshots) {
      censuses.push(await takeCensus(cdp, snapName('end')));
      process.stderr.write(`${row.rate} Hz, ${row.label}:\n${diffCensus(censuses[0], censuses[1]).join('\n')}\n`);
    }
    // After the measured window, so tracing never weighs on the busy figure.
    if (traceSeconds > 0) traces.push([`${row.rate} Hz, ${row.label}, ${row.floor ? 'floor' : 'vigil'}`, await tracePage(cdp, traceSeconds, (ms) => page.waitForTimeout(ms), args['trace-dir'] ? join(args['trace-dir'], `${row.rate}hz-dpr${row.screenDpr}-${row.floor ? 'floor' : row.pageDir ? 'baseline' : 'vigil'}-${Date.now()}.json`) : undefined)]);
    if (Number(args.profile) > 0) {
      const top = await profilePage(cdp, Number(args.profile), (ms) => page.waitForTimeout(ms));
      process.stderr.write(`JS self time, ms/s (${row.label}, ${row.floor ? 'floor' : 'vigil'}): ${top.map(([f, ms]) => `${f} ${ms.toFixed(2)}`).join('; ')}\n`);
    }
    if (Number(args.alloc) > 0) {
      const top = await allocationsOf(cdp, Number(args.alloc), (ms) => page.waitForTimeout(ms));
      const total = top.reduce((s, [, kb]) => s + kb, 0);
      process.stderr.write(`JS allocations, KB/s (${row.label}, ${row.floor ? 'floor' : 'vigil'}; top 25 sum ${total.toFixed(1)}): ${top.map(([f, kb]) => `${f} ${kb.toFixed(1)}`).join('; ')}\n`);
    }
    const pct = (k: string) => ((100 * (m1[k] - m0[k])) / wall).toFixed(2);
    const mb = (b: number) => (b / 1048576).toFixed(2);
    const drift = ((100 * (heaps[heaps.length - 1] - heaps[0])) / heaps[0]).toFixed(1);
    const settled = settledDrift(heaps);
    results.push([
      `${row.rate} Hz`,
      row.label,
      row.floor ? 'uPlot floor' : 'vigil',
      String(tilesShown),
      pct('TaskDuration'),
      pct('ScriptDuration'),
      pct('LayoutDuration'),
      pct('RecalcStyleDuration'),
      ((f1 - f0) / wall).toFixed(1),
      (((m1.TaskDuration - m0.TaskDuration) * 1000) / Math.max(1, f1 - f0)).toFixed(1),
      mb(heaps[0]),
      mb(Math.max(...heaps)),
      mb(heaps[heaps.length - 1]),
      `${Number(drift) >= 0 ? '+' : ''}${drift}%`,
      settled,
      String(Math.max(0, reloads)),
      pct('ProcessTime'),
      rss[0].toFixed(1),
      Math.max(...rss).toFixed(1),
      rss[rss.length - 1].toFixed(1),
    ]);
    const rendered = renders !== null && renders0 !== null ? `, ${renders - renders0} of ${f1 - f0} frames rendered` : '';
    process.stderr.write(`done: ${row.rate} Hz, ${row.label}, ${row.floor ? 'floor' : 'vigil'}: busy ${results.at(-1)![4]} %${rendered}\n`);
  } finally {
    await browser.close();
    await vigil?.stop();
  }
}

const head = ['rate', 'screen', 'page', 'live tiles', 'busy %', 'script %', 'layout %', 'style %', 'frames/s', 'busy ms/frame', 'heap start MB', 'heap max MB', 'heap end MB', 'heap drift', 'settled drift', 'reloads', 'renderer CPU %', 'RSS start MB', 'RSS max MB', 'RSS end MB'];
const widths = head.map((h, i) => Math.max(h.length, ...results.map((r) => r[i].length)));
const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
console.log(`bench-page ${new Date().toISOString()}: ${tiles} tiles, ${minutes} min per row, Chromium headless, ${args['default-view'] ? 'default view (scrolls)' : 'kiosk'} (busy = CDP TaskDuration / wall time)`);
console.log(line(head));
for (const r of results) console.log(line(r));
{
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const p of plan) {
    const busy = (rs: string[][]) => median(rs.map((r) => Number(r[4])));
    const vigilRows = results.filter((x) => x[2] === 'vigil' && x[0] === `${p.rate} Hz` && x[1] === `${p.label}${args.baseline ? ', this page' : ''}`);
    const floorRows = results.filter((x) => x[2] !== 'vigil' && x[0] === `${p.rate} Hz` && x[1] === p.label);
    const cpu = (rs: string[][]) => median(rs.map((r) => Number(r[16])));
    if (vigilRows.length && floorRows.length)
      console.log(
        `${p.rate} Hz, ${p.label}: vigil / floor busy ${(busy(vigilRows) / busy(floorRows)).toFixed(2)}×, renderer CPU ${(cpu(vigilRows) / cpu(floorRows)).toFixed(2)}× (medians of ${vigilRows.length} and ${floorRows.length})`,
      );
  }
}

if (traces.length) {
  const kinds = ['script', 'gc', 'style', 'layout', 'paint', 'layerize', 'commit', 'other'];
  console.log(`\nmain thread by kind, ms per second of wall time (${traceSeconds} s trace after each row):`);
  console.log(['row'.padEnd(48), ...kinds.map((k) => k.padStart(8)), 'total'.padStart(8)].join(''));
  for (const [label, t] of traces) {
    const total = kinds.reduce((n, k) => n + (t.byKind[k] ?? 0), 0);
    console.log([label.padEnd(48), ...kinds.map((k) => (t.byKind[k] ?? 0).toFixed(2).padStart(8)), total.toFixed(2).padStart(8)].join(''));
  }
  for (const [label, t] of traces) console.log(`  ${label}: ${t.top.map(([n, ms]) => `${n} ${ms.toFixed(2)}`).join(', ')}`);
}

if (args.baseline) {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const label of new Set(plan.map((r) => r.label))) {
    const of = (suffix: string) => results.filter((r) => r[2] === 'vigil' && r[1] === `${label}, ${suffix}`);
    const busy = (rs: string[][]) => median(rs.map((r) => Number(r[4])));
    const perFrame = (rs: string[][]) => median(rs.map((r) => Number(r[9])));
    const cpu = (rs: string[][]) => median(rs.map((r) => Number(r[16])));
    const [b, t] = [of('baseline'), of('this page')];
    console.log(
      `${label}: median busy ${busy(b).toFixed(2)} % (baseline) vs ${busy(t).toFixed(2)} % (this page), ratio ${(busy(t) / busy(b)).toFixed(2)}; ` +
        `renderer CPU ${cpu(b).toFixed(2)} vs ${cpu(t).toFixed(2)} %, ratio ${(cpu(t) / cpu(b)).toFixed(2)}; ` +
        `per frame ${perFrame(b).toFixed(1)} vs ${perFrame(t).toFixed(1)} ms, ratio ${(perFrame(t) / perFrame(b)).toFixed(2)} (${rounds} rounds)`,
    );
  }
}
