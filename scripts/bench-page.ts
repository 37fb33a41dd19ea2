/**
 * bench-page: what the wall-display page costs the browser.
 *
 *   npx tsx scripts/bench-page.ts [--minutes 1] [--tiles 50] [--rates 1,10] [--no-dpr-compare]
 *                                 [--judged] [--baseline DIR --rounds 3]
 *
 * Starts a real Vigil on port 0 whose only source is a synthetic channel of
 * `--tiles` metrics, sampled at each rate; opens the page in headless Chromium
 * (/usr/bin/chromium); after a warm-up, measures over `--minutes`:
 *   - main-thread busy %: CDP Performance.getMetrics TaskDuration delta / wall time
 *     (script, layout and style recalc shown apart);
 *   - JS heap: JSHeapUsedSize after HeapProfiler.collectGarbage at the start,
 *     every minute and at the end; "drift" is end vs start.
 * With the DPR comparison (default on), the highest rate also runs on a DPR-2
 * screen with the page's default pixel-ratio cap (1) and uncapped (?dpr=2),
 * side by side, to show what the cap saves. Targets: ≤ 2% busy at 1 Hz, heap
 * within 10%.
 *
 * `--judged` gives every tile levels (a dashboards file with warn and critical
 * inside each metric's range, so states change as the waves cross them).
 * `--baseline DIR` runs, for each row, another build of the page (e.g. main's,
 * built into DIR) against the same server, alternating with this one for
 * `--rounds` rounds, and prints the medians side by side.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CDPSession, Page } from 'playwright-core';
import { parseConfig } from '../server/config.js';
import type { Reading, Source } from '../server/sources/sampler.js';
import { createVigil } from '../server/vigil.js';
import { launchBrowser } from '../tests/helpers/browser.js';
import { ensurePageBuilt } from '../tests/helpers/page-build.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '1' },
    tiles: { type: 'string', default: '50' },
    rates: { type: 'string', default: '1,10' },
    'no-dpr-compare': { type: 'boolean', default: false },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    judged: { type: 'boolean', default: false },
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '1' },
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

/** One judged tile per metric, levels at 75 % and 85 % of its scale (the waves span 15-95 %). */
function judgedDashboards(n: number): string {
  const tilesOf = Array.from({ length: n }, (_, i) => {
    const s = scale[units[i % units.length]];
    return { metric: metricName(i), warn: 0.75 * s, critical: 0.85 * s };
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
}

const plan: Row[] = rates.map((rate) => ({ rate, screenDpr: 1, query: '', label: 'DPR 1 screen', pageDir: null }));
if (!args['no-dpr-compare']) {
  const top = Math.max(...rates);
  plan.push({ rate: top, screenDpr: 2, query: '', label: 'DPR 2 screen, cap 1 (default)', pageDir: null });
  plan.push({ rate: top, screenDpr: 2, query: '?dpr=2', label: 'DPR 2 screen, ?dpr=2 (uncapped)', pageDir: null });
}
// Alternating rounds: baseline, this page, baseline, this page, … so drifts in the machine's load hit both.
const rows: Row[] = [];
for (let r = 0; r < rounds; r++)
  for (const row of plan) {
    if (args.baseline) rows.push({ ...row, label: `${row.label}, baseline`, pageDir: args.baseline });
    rows.push({ ...row, label: `${row.label}${args.baseline ? ', this page' : ''}` });
  }
const dashboards = args.judged ? judgedDashboards(tiles) : undefined;

async function metrics(cdp: CDPSession): Promise<Record<string, number>> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
}

async function heapAfterGc(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  return (await metrics(cdp)).JSHeapUsedSize;
}

async function waitForTiles(page: Page, n: number): Promise<void> {
  await page.waitForFunction((n) => document.querySelectorAll('.tile').length >= n && !!document.querySelector('.conn[data-state="live"]'), n, {
    timeout: 30_000,
  });
}

const pageDir = await ensurePageBuilt();
const results: string[][] = [];
for (const row of rows) {
  const interval = Math.round(1000 / row.rate);
  const config = parseConfig({ port: 0, host: '127.0.0.1', logLevel: 'silent', interval, diskUsageInterval: 0, dashboards });
  const vigil = createVigil(config, { sources: () => [syntheticSource(tiles)], pageDir: row.pageDir ?? pageDir });
  await vigil.start();
  const browser = await launchBrowser(args.chromium, { viewport: { width: 1920, height: 1080 }, deviceScaleFactor: row.screenDpr });
  try {
    const page = await browser.context.newPage();
    await page.goto(`${vigil.url}/${row.query}${row.query ? '&' : '?'}kiosk`);
    await waitForTiles(page, tiles);
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' } as never);
    await page.waitForTimeout(15_000); // warm-up: JIT, first full redraws, start-up garbage
    const heaps = [await heapAfterGc(cdp)];
    const m0 = await metrics(cdp);
    const f0 = await page.evaluate(() => (window as unknown as { vigil: { loop: { frames: number } } }).vigil.loop.frames);
    const t0 = performance.now();
    const end = t0 + minutes * 60_000;
    while (performance.now() < end) {
      await page.waitForTimeout(Math.min(60_000, end - performance.now()));
      if (performance.now() < end - 1000) heaps.push(await heapAfterGc(cdp));
    }
    const m1 = await metrics(cdp);
    const wall = (performance.now() - t0) / 1000;
    const f1 = await page.evaluate(() => (window as unknown as { vigil: { loop: { frames: number } } }).vigil.loop.frames);
    heaps.push(await heapAfterGc(cdp));
    const tilesShown = await page.locator('.tile:not(.stale)').count();
    const pct = (k: string) => ((100 * (m1[k] - m0[k])) / wall).toFixed(2);
    const mb = (b: number) => (b / 1048576).toFixed(2);
    const drift = ((100 * (heaps[heaps.length - 1] - heaps[0])) / heaps[0]).toFixed(1);
    results.push([
      `${row.rate} Hz`,
      row.label,
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
    ]);
    process.stderr.write(`done: ${row.rate} Hz, ${row.label}\n`);
  } finally {
    await browser.close();
    await vigil.stop();
  }
}

const head = ['rate', 'screen', 'live tiles', 'busy %', 'script %', 'layout %', 'style %', 'frames/s', 'busy ms/frame', 'heap start MB', 'heap max MB', 'heap end MB', 'heap drift'];
const widths = head.map((h, i) => Math.max(h.length, ...results.map((r) => r[i].length)));
const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
console.log(`bench-page: ${tiles} tiles, ${minutes} min per row, Chromium headless, kiosk view 1920x1080 (busy = CDP TaskDuration / wall time)`);
console.log(line(head));
for (const r of results) console.log(line(r));
const base = results.find((r) => r[1].includes('cap 1'));
const unc = results.find((r) => r[1].includes('uncapped'));
// Per frame: an uncapped page that cannot keep up draws fewer frames, which hides its cost per second.
if (base && unc) console.log(`uncapped DPR 2 / capped: ${(Number(unc[8]) / Number(base[8])).toFixed(2)}× main-thread time per frame`);

if (args.baseline) {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const label of new Set(plan.map((r) => r.label))) {
    const of = (suffix: string) => results.filter((r) => r[1] === `${label}, ${suffix}`);
    const busy = (rs: string[][]) => median(rs.map((r) => Number(r[3])));
    const perFrame = (rs: string[][]) => median(rs.map((r) => Number(r[8])));
    const [b, t] = [of('baseline'), of('this page')];
    console.log(
      `${label}: median busy ${busy(b).toFixed(2)} % (baseline) vs ${busy(t).toFixed(2)} % (this page), ratio ${(busy(t) / busy(b)).toFixed(2)}; ` +
        `per frame ${perFrame(b).toFixed(1)} vs ${perFrame(t).toFixed(1)} ms, ratio ${(perFrame(t) / perFrame(b)).toFixed(2)} (${rounds} rounds)`,
    );
  }
}
