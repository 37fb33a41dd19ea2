import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Case, Outcome } from '../fixtures/spark-path-page.js';
import { requireBinary } from '../helpers/binary.js';
import { launchBrowser, type RunningBrowser } from '../helpers/browser.js';

const bin = requireBinary('chromium', 'apt-get install -y chromium', ['/usr/bin/chromium']);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** The fixture and what it imports (uPlot, web/spark-path.ts) as one script, built as the page's code is. */
async function bundle(): Promise<string> {
  const { build } = await import('vite');
  const out = await build({
    configFile: false,
    logLevel: 'warn',
    build: { write: false, minify: false, lib: { entry: join(ROOT, 'tests/fixtures/spark-path-page.ts'), formats: ['iife'], name: 'sparkPathPage' } },
  });
  const chunk = (Array.isArray(out) ? out[0] : out) as { output: Array<{ type: string; code?: string }> };
  return chunk.output.find((o) => o.type === 'chunk')!.code!;
}

/** A walk of `n` points about a second apart (jittered), as a ring holds them, at any scale. */
const walk = fc
  .record({
    n: fc.integer({ min: 2, max: 90 }),
    width: fc.integer({ min: 24, max: 420 }),
    height: fc.integer({ min: 12, max: 140 }),
    fixed: fc.boolean(),
    scale: fc.constantFrom(1, 100, 1e-3, 4e9),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
    ticks: fc.integer({ min: 0, max: 3 }),
  })
  .map(({ n, width, height, fixed, scale, seed, ticks }): Case => {
    let s = seed;
    const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const xs: number[] = [];
    const ys: number[] = [];
    let y = fixed ? 50 : scale * rnd();
    for (let i = 0; i < n + ticks; i++) {
      xs.push(1_800_000_000_000 + i * 1000 + Math.floor(rnd() * 200));
      y += (rnd() - 0.5) * (fixed ? 20 : scale);
      ys.push(fixed ? Math.min(100, Math.max(0, y)) : y);
    }
    return { width, height, fixed, xs, ys, ticks };
  });

async function compare(page: Page, c: Case): Promise<Outcome> {
  return page.evaluate((c) => (window as unknown as { compare(c: Case): Promise<Outcome> }).compare(c), c);
}

describe.skipIf(!bin.path)("the sparkline's path builder in Chromium", () => {
  const browsers: RunningBrowser[] = [];
  const pages = new Map<number, Page>();

  beforeAll(async () => {
    const code = await bundle();
    for (const dpr of [1, 2]) {
      const b = await launchBrowser(bin.path!, { viewport: { width: 800, height: 600 }, deviceScaleFactor: dpr });
      browsers.push(b);
      const page = await b.context.newPage();
      await page.setContent('<!doctype html><html><body></body></html>');
      await page.addScriptTag({ content: code });
      pages.set(dpr, page);
    }
  }, 60_000);

  afterAll(async () => {
    for (const b of browsers) await b.close();
  });

  for (const dpr of [1, 2]) {
    it(`draws the same pixels as uPlot's linear builder at pixel ratio ${dpr}`, async () => {
      let lean = 0;
      let drew = 0;
      await fc.assert(
        fc.asyncProperty(walk, async (c) => {
          const o = await compare(pages.get(dpr)!, c);
          // A few points in a narrow plot can fall all in the clipped sliver at its right edge: nothing drawn, rightly, by both.
          if (o.drawn > 0) drew++;
          expect(o.differ, `pixels differing for ${JSON.stringify({ ...c, xs: c.xs.length })}`).toBe(0);
          expect(o.calls).toBe(1 + c.ticks);
          lean += o.calls - o.fallbacks;
        }),
        { numRuns: 60 },
      );
      // The comparison is of the lean builder (uPlot's would pass it trivially), and of plots with pixels to compare.
      expect(lean).toBeGreaterThan(50);
      expect(drew, 'plots that drew something: a comparison of blank canvases proves nothing').toBeGreaterThan(50);
    }, 120_000);
  }

  it("hands what it does not draw (a gap, more points than pixels) to uPlot's builder, to the same pixels", async () => {
    const page = pages.get(1)!;
    const xs = Array.from({ length: 60 }, (_, i) => 1_800_000_000_000 + i * 1000);
    const ys: Array<number | null> = xs.map((_, i) => 50 + 30 * Math.sin(i / 5));
    ys[20] = ys[21] = null;
    const gap = await compare(page, { width: 200, height: 60, fixed: true, xs, ys, ticks: 0 });
    expect(gap).toMatchObject({ differ: 0, fallbacks: 1, calls: 1 });
    expect(gap.drawn).toBeGreaterThan(0);
    // 400 points across 60 px: uPlot draws each pixel column's span instead of every point.
    const dense = Array.from({ length: 400 }, (_, i) => 1_800_000_000_000 + 20_000 + i * 100);
    const many = await compare(page, { width: 60, height: 40, fixed: false, xs: dense, ys: dense.map((_, i) => Math.sin(i / 9)), ticks: 0 });
    expect(many).toMatchObject({ differ: 0, fallbacks: 1, calls: 1 });
    const few = await compare(page, { width: 60, height: 40, fixed: false, xs: dense.slice(0, 30), ys: dense.slice(0, 30).map((_, i) => Math.sin(i / 9)), ticks: 0 });
    expect(few).toMatchObject({ differ: 0, fallbacks: 0, calls: 1 });
  }, 60_000);
});
