import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary } from '../helpers/binary.js';
import { launchBrowser, type RunningBrowser } from '../helpers/browser.js';
import { ensurePageBuilt } from '../helpers/page-build.js';
import { type Running, startVigil } from '../helpers/server.js';
import type { Reading, Source } from '../../server/sources/sampler.js';

const bin = requireBinary('chromium', 'apt-get install -y chromium', ['/usr/bin/chromium']);
const SCALE = Math.max(1, Number(process.env.TEST_TIMEOUT_SCALE) || 1);
const TOKEN = 'live-text-page-ingest-token-0123456789';

/** `n` app metrics of a few units, slow waves: one channel, so one section (the built-in dashboard's "App"). */
const synthetic = (n: number): Source => ({
  channel: 'app',
  sample(now: number): Reading[] {
    const units = ['%', 'B', 'ms', '/s'];
    return Array.from({ length: n }, (_, i) => ({ name: `app.synthetic.m${String(i).padStart(3, '0')}`, unit: units[i % units.length], v: 50 + 30 * Math.sin(now / 5000 + i) }));
  },
});

interface Drawn {
  text: string;
  x: number;
  y: number;
  w: number;
  box: string;
  color: string;
}

/**
 * Where each live tile's canvas drew its strings, and where the DOM puts the
 * same strings once the tile shows its text as DOM text again (its `cv` class
 * taken off, the canvas hidden): left edge and baseline, in page pixels.
 */
async function drawnVsDom(page: Page): Promise<Array<{ key: string; text: string; dx: number; dy: number }>> {
  return page.evaluate(() => {
    const out: Array<{ key: string; text: string; dx: number; dy: number }> = [];
    // Tiles in view: one scrolled away is not redrawn until it shows again (its canvas may lag its DOM text).
    const tiles = [...document.querySelectorAll<HTMLElement>('.tile.cv')].filter((t) => t.getBoundingClientRect().bottom <= innerHeight);
    // The page's text layer (its canvases' box, at the container's top left); each tile says what it drew there, in CSS px from it.
    const layer = document.querySelector<HTMLElement>('.live-text')!;
    const c = layer.getBoundingClientRect();
    const drawn = tiles.map((t) => (t as HTMLElement & { vigilText: { shown(): Drawn[] } }).vigilText.shown().map((d) => ({ ...d, x: c.left + d.x, y: c.top + d.y })));
    // Freeze the page's drawing, then show the DOM text of the same tiles.
    (window as unknown as { vigil: { loop: { stop(): void } } }).vigil.loop.stop();
    layer.style.display = 'none';
    // A live tile's text boxes are not written (screen readers read aria-labels): fill them as a stale tile's would be.
    for (const t of tiles) (t as HTMLElement & { vigilText: { writeDom(): void } }).vigilText.writeDom();
    for (const t of tiles) t.classList.remove('cv');
    const ctx = document.createElement('canvas').getContext('2d')!;
    const trendOf: Record<string, string> = { '▲': 'rising', '▼': 'falling', '▶': 'stable' };
    const css = (c: string) => ((ctx.fillStyle = '#000'), (ctx.fillStyle = c), String(ctx.fillStyle));
    tiles.forEach((t, i) => {
      // The arrow's box keeps a glyph, hidden, while the layer draws it: show the drawn trend there as the DOM would.
      const arrow = drawn[i].find((d) => d.box === 'trend');
      const mark = t.querySelector<HTMLElement>('.trend');
      if (arrow && mark) {
        mark.className = `trend trend-${trendOf[arrow.text]}`;
        mark.textContent = arrow.text;
        if (css(arrow.color) !== css(getComputedStyle(mark).color)) out.push({ key: t.dataset.key ?? '', text: `${arrow.text} in ${arrow.color}, the DOM's ${getComputedStyle(mark).color}`, dx: 99, dy: 99 });
      }
      const spans = [...t.querySelectorAll<HTMLElement>('.num, .unit, .age, .figs > span, .trend')];
      for (const d of drawn[i]) {
        const el = spans.find((s) => (s.textContent ?? '').replace(/\s+/g, ' ').trim() === d.text);
        if (!el) continue; // an age cut with an ellipsis, or a figure the DOM wrapped out of sight too
        const r = document.createRange();
        r.selectNodeContents(el);
        const q = r.getClientRects()[0];
        if (!q || q.top >= (el.closest('.tile-foot, .tile-value, .tile-head') as HTMLElement).getBoundingClientRect().bottom) continue;
        const cs = getComputedStyle(el);
        ctx.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
        const ascent = Math.round(ctx.measureText('0').fontBoundingBoxAscent);
        out.push({ key: t.dataset.key ?? '', text: d.text, dx: d.x - q.left, dy: d.y - (q.top + ascent) });
      }
    });
    return out;
  });
}

describe.skipIf(!bin.path)('live figures drawn into the page\'s text canvas', () => {
  let browser: RunningBrowser;
  let srv: Running;

  beforeAll(async () => {
    const pageDir = await ensurePageBuilt();
    browser = await launchBrowser(bin.path!, { viewport: { width: 1600, height: 1000 } });
    srv = await startVigil({ interval: 250 }, { pageDir });
  }, 120_000);
  afterAll(async () => {
    await srv?.stop();
    await browser?.close();
  });

  it('shows ticks that change only values without rendering the page, trends and lines tiles included', async () => {
    const page = await browser.context.newPage();
    try {
      await page.goto(`${srv.url}/?kiosk`);
      await page.waitForFunction(() => document.querySelectorAll('.tile.cv .num').length >= 5 && document.querySelectorAll('.tile.multi').length >= 1, null, { timeout: 10_000 * SCALE });
      type W = { vigil: { renders: number; loop: { frames: number; request(): void }; model: { stop(): void }; store: { get(k: string): { stat: { trend: string } | null } | undefined } } };
      const count = () => page.evaluate(() => [(window as unknown as W).vigil.renders, (window as unknown as W).vigil.loop.frames]);
      const [r0, f0] = await count();
      await page.waitForTimeout(2000);
      const [r1, f1] = await count();
      // Ticks every 250 ms: most frames only update tiles from the store; a render is for a new tile, a check, the connection.
      expect(f1 - f0).toBeGreaterThanOrEqual(4);
      expect(r1 - r0).toBeLessThan((f1 - f0) / 2);
      // With the stream stopped and one more frame drawn, every trend arrow is its series' trend now (written without a render).
      const wrong = await page.evaluate(async () => {
        const v = (window as unknown as W).vigil;
        v.model.stop();
        v.loop.request();
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        const out: string[] = [];
        let n = 0;
        for (const t of document.querySelectorAll<HTMLElement>('.tile:not(.multi)')) {
          const el = t.querySelector('.trend');
          const trend = v.store.get(t.dataset.key ?? '')?.stat?.trend;
          if (!el || !trend) continue;
          n++;
          // A live tile's arrow is drawn by the text layer (its box's class and glyph are left as they were); another's is the DOM's.
          const arrow = (t as HTMLElement & { vigilText?: { shown(): Array<{ box: string; text: string }> } }).vigilText?.shown().find((d) => d.box === 'trend')?.text;
          const shows = t.classList.contains('cv') ? arrow === { rising: '▲', falling: '▼', stable: '▶' }[trend] : el.classList.contains(`trend-${trend}`);
          if (!shows || el.getAttribute('aria-label') !== `trend ${trend}`) out.push(`${t.dataset.key}: ${t.classList.contains('cv') ? arrow : el.className} vs ${trend}`);
        }
        return { n, out };
      });
      expect(wrong.n).toBeGreaterThanOrEqual(5);
      expect(wrong.out).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("meets Chromium's once-a-second hit test of the viewport's centre with a box of its own, in every view and at odd sizes", async () => {
    // OverlayInterstitialAdDetector hit-tests the centre of the layout viewport's visible rect (scrollbars excluded)
    // every second; without the sink that walk went through the tiles (~1 ms at 50 tiles, bench-page --trace).
    const page = await browser.context.newPage();
    try {
      for (const [query, w, h] of [['?kiosk', 1600, 1000], ['', 1600, 1000], ['?embed', 1365, 767], ['?kiosk', 1021, 611]] as const) {
        await page.setViewportSize({ width: w, height: h });
        await page.goto(`${srv.url}/${query}`);
        await page.waitForFunction(() => document.querySelectorAll('.tile.cv').length >= 5, null, { timeout: 10_000 * SCALE });
        const hit = await page.evaluate(() => {
          const de = document.documentElement;
          const at = (x: number, y: number) => document.elementFromPoint(x, y)?.className ?? null;
          const cx = de.clientWidth / 2;
          const cy = de.clientHeight / 2;
          const sink = document.querySelector('.hit-sink');
          return { centre: at(cx, cy), besideIsSink: at(cx + 3, cy) === 'hit-sink', label: sink?.getAttribute('aria-hidden'), size: sink ? sink.getBoundingClientRect().width * sink.getBoundingClientRect().height : 0 };
        });
        expect(hit, `${query || 'default view'} at ${w}x${h}`).toEqual({ centre: 'hit-sink', besideIsSink: false, label: 'true', size: 4 });
      }
    } finally {
      await page.close();
    }
  });

  it("turns a live tile's arrow without touching its tooltip (a new title would restyle it: Chromium's abbr[title] rule)", async () => {
    // A server of its own: the series goes stale once the pushes stop, and a stale tile renders every second.
    const own = await startVigil({ interval: 250, ingestToken: TOKEN, ingestCoalesce: 0 }, { pageDir: await ensurePageBuilt() });
    const push = (value: number) =>
      fetch(`${own.url}/api/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ source: 'trend-test', metrics: [{ name: 'test.flip', value, unit: 'ms' }] }),
      }).then((r) => expect(r.status).toBe(202));
    const page = await browser.context.newPage();
    try {
      await page.goto(`${own.url}/`);
      const arrow = page.locator('.tile[data-key^="test.flip@"] .trend');
      for (const v of [1, 2, 3, 4]) {
        await push(v);
        await page.waitForTimeout(300);
      }
      await expect.poll(() => arrow.getAttribute('aria-label'), { timeout: 10_000 * SCALE }).toBe('trend rising');
      await page.evaluate(() => {
        const el = document.querySelector('.tile[data-key^="test.flip@"] .trend')!;
        const seen: string[] = ((window as unknown as { titleWrites: string[] }).titleWrites = []);
        new MutationObserver((rs) => rs.forEach((r) => r.attributeName === 'title' && seen.push((r.target as Element).getAttribute('title') ?? ''))).observe(el, { attributes: true });
      });
      for (const v of [-100, -200, -300, -400]) {
        await push(v);
        await page.waitForTimeout(300);
      }
      await expect.poll(() => arrow.getAttribute('aria-label'), { timeout: 10_000 * SCALE }).toBe('trend falling');
      expect(await page.locator('.tile[data-key^="test.flip@"]').getAttribute('class')).toContain(' cv');
      expect(await page.evaluate(() => (window as unknown as { titleWrites: string[] }).titleWrites)).toEqual([]);
      expect(await arrow.getAttribute('title')).toBe('trend over the window: ▲ rising, ▼ falling, ▶ stable');
    } finally {
      await page.close();
      await own.stop();
    }
  });

  it("turns a stale tile's age every second without rendering the page", async () => {
    const own = await startVigil({ interval: 250, ingestToken: TOKEN, ingestCoalesce: 0 }, { pageDir: await ensurePageBuilt() });
    const page = await browser.context.newPage();
    try {
      for (const value of [1, 2]) {
        const r = await fetch(`${own.url}/api/ingest`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ source: 'gone', metrics: [{ name: 'test.gone', value, unit: 'ms' }] }),
        });
        expect(r.status).toBe(202);
      }
      await page.goto(`${own.url}/?kiosk`);
      const tile = page.locator('.tile[data-key^="test.gone@"]');
      await expect.poll(() => tile.getAttribute('data-stale'), { timeout: 15_000 * SCALE }).toBe('true');
      // Host tiles keep ticking beside it; a window of 2.5 s with no tile coming or going must render nothing.
      const seen = await page.evaluate(async () => {
        const v = (window as unknown as { vigil: { renders: number } }).vigil;
        const tag = () => document.querySelector('.tile[data-key^="test.gone@"] .stale-tag')?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
        for (let attempt = 0; ; attempt++) {
          const [renders, before] = [v.renders, tag()];
          await new Promise((r) => setTimeout(r, 2500));
          const tiles = document.querySelectorAll('.tile').length;
          await new Promise((r) => setTimeout(r, 0));
          if ((v.renders === renders && document.querySelectorAll('.tile').length === tiles) || attempt === 9) return { rendered: v.renders - renders, before, after: tag() };
        }
      });
      expect(seen.rendered).toBe(0);
      expect(seen.before).toMatch(/^⚠ stale · (now|\d+ s ago)$/);
      expect(seen.after).toMatch(/^⚠ stale · \d+ s ago$/);
      expect(seen.after).not.toBe(seen.before);
      // What a screen reader reads is the DOM's text: the same age.
      expect(await tile.locator('.tile-value').ariaSnapshot()).toContain(seen.after.replace('⚠ ', ''));
      // A stale tile's plot has a canvas of its own again (faded by CSS), not the kiosk's text layer; the live ones stay there.
      expect(await tile.locator('.spark canvas').count()).toBe(1);
      expect(await tile.locator('.spark').evaluate((el) => 'vigilPlot' in el)).toBe(false);
      expect(await page.evaluate(() => (document.querySelector('.live-text') as HTMLElement & { vigilLayer: { plotBoxes(): unknown[] } }).vigilLayer.plotBoxes().length)).toBeGreaterThanOrEqual(5);
      expect(await page.locator('.tile.cv .spark canvas').count()).toBe(0);
    } finally {
      await page.close();
      await own.stop();
    }
  });

  it('changes no text, class or style of a live tile on a tick: only the names screen readers read', async () => {
    const page = await browser.context.newPage();
    try {
      await page.goto(`${srv.url}/?kiosk`);
      await page.waitForFunction(() => document.querySelectorAll('.tile.cv').length >= 5, null, { timeout: 10_000 * SCALE });
      // Two seconds of ticks every 250 ms: every DOM change inside a live tile (one of one series the text layer draws for).
      // Only a window without a render counts (the host source finds series for a while: new tiles mount, the page renders).
      const seen = await page.evaluate(async () => {
        const v = (window as unknown as { vigil: { renders: number } }).vigil;
        for (let attempt = 0; ; attempt++) {
          const changes: string[] = [];
          let names = 0;
          const mo = new MutationObserver((records) => {
            for (const r of records) {
              const el = r.target instanceof Element ? r.target : r.target.parentElement;
              const tile = el?.closest('.tile');
              if (!tile?.classList.contains('cv')) continue;
              if (r.type === 'attributes' && r.attributeName === 'aria-label') names++;
              else changes.push(`${tile.getAttribute('data-key')}: ${r.type} ${r.attributeName ?? ''} on ${el?.className}`);
            }
          });
          const renders = v.renders;
          mo.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
          await new Promise((r) => setTimeout(r, 2000));
          mo.disconnect();
          if (v.renders === renders || attempt === 9) return { changes, names, rendered: v.renders - renders };
        }
      });
      expect(seen.rendered).toBe(0);
      // The figures change every tick, so their names do; nothing a style rule or layout reads does.
      expect(seen.names).toBeGreaterThanOrEqual(10);
      expect(seen.changes.slice(0, 10)).toEqual([]);
    } finally {
      await page.close();
    }
  });

  // The kiosk's live plots are not canvases of their own: uPlot lays each out and builds its path in a plot in no
  // document, and the text layer strokes it into its one canvas (Sparkline's `wall`). What the wall shows must be
  // what uPlot draws: each plot's rect of the layer is compared, pixel for pixel, with the same plot drawn by uPlot
  // in a canvas of its own (a reference made from the same options and points), at pixel ratios 1 and 2. A tile of
  // lines keeps its canvas.
  for (const dpr of [1, 2]) {
    it(`paints the kiosk's live plots into the layer's one canvas, pixel for pixel as uPlot draws them (pixel ratio ${dpr})`, async () => {
      const hi = dpr === 1 ? null : await launchBrowser(bin.path!, { viewport: { width: 1280, height: 720 }, deviceScaleFactor: 2 });
      const page = await (hi ?? browser).context.newPage();
      try {
        await page.goto(`${srv.url}/?kiosk${dpr === 2 ? '&dpr=2' : ''}`);
        await page.waitForFunction(() => document.querySelectorAll('.tile.cv .num').length >= 5, null, { timeout: 10_000 * SCALE });
        await page.waitForTimeout(1500);
        // At ratio 1 the window is resized first: every plot moves and is drawn at its new size (uPlot's resize, then the layer's).
        if (dpr === 1) {
          await page.setViewportSize({ width: 1400, height: 850 });
          await page.waitForTimeout(1500);
        }
        // As below: the stream stops and a last frame draws what came, so the points are the ones the wall drew.
        await page.evaluate(() => (window as unknown as { vigil: { model: { stop(): void } } }).vigil.model.stop());
        await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
        const r = await page.evaluate(async () => {
          (window as unknown as { vigil: { loop: { stop(): void } } }).vigil.loop.stop();
          const root = document.querySelector<HTMLElement>('.live-text')!;
          type Plot = { reference(): Promise<HTMLCanvasElement> };
          const layer = (root as HTMLElement & { vigilLayer: { canvases(): Array<{ canvas: HTMLCanvasElement; top: number }> } }).vigilLayer;
          const ratio = devicePixelRatio;
          const box = root.parentElement!;
          const all = document.createElement('canvas');
          all.width = box.clientWidth * ratio;
          all.height = box.clientHeight * ratio;
          const a = all.getContext('2d')!;
          for (const b of layer.canvases()) a.drawImage(b.canvas, 0, Math.round(b.top * ratio));
          const o = box.getBoundingClientRect();
          const live = [...document.querySelectorAll<HTMLElement>('.tile.cv .spark')];
          const out = { layerCanvases: layer.canvases().length, live: live.length, painted: 0, own: document.querySelectorAll('.tile:not(.multi) .spark canvas').length, lines: document.querySelectorAll('.tile.multi .spark canvas').length, differ: 0, near: 0, ink: 0, inked: 0 };
          for (const el of live) {
            const plot = (el as HTMLElement & { vigilPlot?: Plot }).vigilPlot;
            if (!plot) continue;
            out.painted++;
            const ref = await plot.reference();
            const r = el.getBoundingClientRect();
            const x = Math.round((r.left - o.left - box.clientLeft) * ratio);
            const y = Math.round((r.top - o.top - box.clientTop) * ratio);
            const want = ref.getContext('2d')!.getImageData(0, 0, ref.width, ref.height).data;
            const got = a.getImageData(x, y, ref.width, ref.height).data;
            let ink = 0;
            for (let i = 0; i < want.length; i += 4) {
              if (want[i + 3]) ink++;
              const d = Math.max(Math.abs(want[i] - got[i]), Math.abs(want[i + 1] - got[i + 1]), Math.abs(want[i + 2] - got[i + 2]), Math.abs(want[i + 3] - got[i + 3]));
              if (d > 0) out.near++;
              if (d > 32) out.differ++;
            }
            out.ink += ink;
            if (ink > 20) out.inked++;
          }
          return out;
        });
        console.log(`kiosk at pixel ratio ${dpr}: ${JSON.stringify(r)}`);
        expect(r.layerCanvases).toBe(1);
        expect(r.live).toBeGreaterThanOrEqual(5);
        // Every live tile's plot is the layer's; no tile of one series keeps a canvas; tiles of lines keep theirs.
        expect(r.painted).toBe(r.live);
        expect(r.own).toBe(0);
        expect(r.lines).toBeGreaterThanOrEqual(1);
        // The comparison means something only where uPlot drew lines.
        expect(r.inked).toBeGreaterThanOrEqual(5);
        // The same path stroked at an offset in a larger canvas: Skia's coverage of an edge pixel may move by a level
        // or a few (float rounding of the translated outline; `near`, a few pixels in thousands), now and then by
        // more on a steep spike (1 pixel of 49,000 ink in one CI run). A point missing or a plot a pixel off moves
        // hundreds of pixels from ink to none (a y series' stale idxs dropped the newest point: 450 of 5,875 here).
        expect(r.differ).toBeLessThanOrEqual(Math.ceil(r.ink / 2000));
        expect(r.near).toBeLessThan(r.ink / 100);
      } finally {
        await page.close();
        await hi?.close();
      }
    });
  }

  // `late`: the dashboards (api/dashboards) answer 2 s after the page asks, so the tiles are drawn before the kiosk's section
  // cell comes and pushes every tile one cell on, without a tile coming or going or the grid changing size: each tile's
  // figures were drawn one cell back (over the section cell and its neighbours) until the layer read its boxes after
  // every render. Twelve synthetic metrics of one channel, so the one section keeps the same tiles.
  // `long`: 150 tiles in the default view, a page several screens long, scrolled to its end: the canvas is two viewports
  // tall, not the page's height (its bitmap and its copy each frame grew with the page), and moves to what is in view.
  // `tight`: no gap between a value and its unit (a rule added to the page's stylesheet), so the clear of a changed value
  // meets its unit, which did not change: the unit must be drawn again (the flush's test of which clears meet which
  // strings; with it answering "never", the unit's first pixels go missing and the canvas differs from a repaint).
  for (const [query, setup] of [['', null], ['?kiosk', null], ['?embed', null], ['?kiosk', 'late'], ['', 'long'], ['?kiosk', 'tight']] as const) {
    const what = setup === 'late' ? ', dashboards late' : setup === 'long' ? ', a long page scrolled to its end' : setup === 'tight' ? ', values touching their units' : '';
    it(`sit where the DOM would put them, within a pixel (${query || 'default view'}${what})`, async () => {
      const page = await browser.context.newPage();
      const own = setup ? await startVigil({ interval: 250 }, { pageDir: await ensurePageBuilt(), sources: () => [synthetic(setup === 'long' ? 150 : 12)] }) : null;
      try {
        if (setup === 'late') await page.route('**/api/dashboards*', async (route) => void (await new Promise((f) => setTimeout(f, 2000)), await route.continue()));
        await page.goto(`${(own ?? srv).url}/${query}`);
        await page.waitForFunction(() => document.querySelectorAll('.tile.cv .num').length >= 5 && [...document.querySelectorAll('.tile.cv')].every((t) => ((t as HTMLElement & { vigilText?: { shown(): unknown[] } }).vigilText?.shown().length ?? 0) > 0 || t.getBoundingClientRect().top > innerHeight), null, {
          timeout: 10_000 * SCALE,
        });
        if (setup === 'late') {
          // The tiles were drawn without a section; now it comes.
          expect(await page.locator('.kiosk-section').count()).toBe(0);
          await page.waitForSelector('.kiosk-section', { timeout: 10_000 * SCALE });
          await page.waitForTimeout(500);
        }
        if (setup === 'tight') {
          const units = await page.evaluate(() => {
            const sheet = [...document.styleSheets].find((x) => [...x.cssRules].some((r) => r.cssText.startsWith('.tile-value > .in')))!;
            sheet.insertRule('.tile-value > .in { gap: 0 !important; }', sheet.cssRules.length);
            // The tiles read their styles again (as after a render of a new shape) and every box again.
            for (const t of document.querySelectorAll('.tile.cv')) (t as HTMLElement & { vigilText: { restyle: boolean } }).vigilText.restyle = true;
            (document.querySelector('.live-text') as HTMLElement & { vigilLayer: { relayout(): void } }).vigilLayer.relayout();
            return document.querySelectorAll('.tile.cv .unit').length;
          });
          expect(units).toBeGreaterThanOrEqual(5);
          // Ticks (every 250 ms) change the values; the units stay where they were.
          await page.waitForTimeout(1000);
        }
        if (setup === 'long') {
          await page.waitForFunction(() => document.querySelectorAll('.tile').length >= 150, null, { timeout: 10_000 * SCALE });
          // From the top of the first canvas to the bottom of the last.
          const size = () =>
            page.evaluate(() => {
              const cs = [...document.querySelectorAll('.live-text > canvas')].map((c) => c.getBoundingClientRect());
              return { canvas: Math.max(...cs.map((r) => r.bottom)) - Math.min(...cs.map((r) => r.top)), page: document.querySelector('.live-text')!.parentElement!.clientHeight, view: innerHeight };
            });
          const before = await size();
          expect(before.page).toBeGreaterThan(3 * before.view);
          expect(before.canvas).toBeLessThanOrEqual(2 * before.view);
          expect(before.canvas).toBeGreaterThan(1.5 * before.view);
          await page.evaluate(() => scrollTo(0, document.documentElement.scrollHeight));
          await page.waitForTimeout(600);
          expect((await size()).canvas).toBeLessThanOrEqual(2 * before.view);
          // Every tile in view draws its text there (the canvas came to them).
          const inView = await page.evaluate(() =>
            [...document.querySelectorAll('.tile.cv')]
              .filter((t) => t.getBoundingClientRect().top >= 0 && t.getBoundingClientRect().bottom <= innerHeight)
              .map((t) => (t as HTMLElement & { vigilText: { shown(): unknown[] } }).vigilText.shown().length),
          );
          expect(inView.length).toBeGreaterThanOrEqual(10);
          expect(inView.filter((n) => n === 0)).toEqual([]);
        }
        // Screen readers get the figures from the (unrendered) DOM text: the value row and footer are images named by it.
        const first = page.locator('.tile.cv').first();
        expect(await first.locator('.tile-value').ariaSnapshot()).toMatch(/img "\d[\d.]*( \S+)? (updated )?(now|\d+ s ago)"/);
        expect(await first.locator('.tile-foot').ariaSnapshot()).toMatch(/img "min .+ avg .+ max .+"/);
        // Frames redraw only the strings that changed: after some ticks, the canvas holds exactly what a full redraw paints (no string left behind).
        await page.waitForTimeout(1500);
        // The stream stops first and a last frame draws what came: a plot's points are the ring's buffers, read in
        // place, so a tick after the last frame would change what a repaint of the plots draws.
        await page.evaluate(() => (window as unknown as { vigil: { model: { stop(): void }; loop: { request(): void } } }).vigil.model.stop());
        await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
        const same = await page.evaluate(() => {
          (window as unknown as { vigil: { loop: { stop(): void } } }).vigil.loop.stop();
          type Layer = { repaint(): void; canvases(): Array<{ canvas: HTMLCanvasElement; top: number }>; outside(): string[] };
          const layer = (document.querySelector('.live-text') as HTMLElement & { vigilLayer: Layer }).vigilLayer;
          // The bands put together in one image of the container's size (a repaint makes new canvases).
          const read = () => {
            const all = document.createElement('canvas');
            const box = document.querySelector('.live-text')!.parentElement!;
            all.width = box.clientWidth * devicePixelRatio;
            all.height = box.scrollHeight * devicePixelRatio;
            const ctx = all.getContext('2d')!;
            for (const b of layer.canvases()) ctx.drawImage(b.canvas, 0, Math.round(b.top * devicePixelRatio));
            return ctx.getImageData(0, 0, all.width, all.height).data;
          };
          const cut = layer.outside();
          const before = read();
          layer.repaint();
          const after = read();
          let differ = 0;
          let ink = 0;
          for (let i = 3; i < after.length; i += 4) {
            if (after[i] !== 0) ink++;
            if (before[i] !== after[i] || before[i - 1] !== after[i - 1]) differ++;
          }
          return { differ, ink, size: before.length === after.length, cut };
        });
        // Every string's font box is inside a band (none cut at a band's edge).
        expect(same.cut).toEqual([]);
        expect(same.size).toBe(true);
        expect(same.ink).toBeGreaterThan(1000);
        expect(same.differ).toBe(0);
        const rows = await drawnVsDom(page);
        // Every live tile drew its value, and the figures it drew are the DOM's.
        expect(rows.filter((r) => /^[\d.–-]/.test(r.text)).length).toBeGreaterThanOrEqual(5);
        expect(rows.some((r) => r.text.startsWith('max '))).toBe(true);
        expect(rows.filter((r) => /^[▲▼▶]$/.test(r.text)).length).toBeGreaterThanOrEqual(3);
        const worst = (k: 'dx' | 'dy') => Math.max(...rows.map((r) => Math.abs(r[k])));
        for (const r of rows) if (Math.abs(r.dx) > 1 || Math.abs(r.dy) > 1) console.log(JSON.stringify(r));
        console.log(`${query || 'default'}: ${rows.length} strings, worst |dx| ${worst('dx').toFixed(2)} px, |dy| ${worst('dy').toFixed(2)} px`);
        for (const r of rows) {
          expect(Math.abs(r.dx), `${r.key} "${r.text}" x`).toBeLessThanOrEqual(1);
          expect(Math.abs(r.dy), `${r.key} "${r.text}" baseline`).toBeLessThanOrEqual(1);
        }
      } finally {
        await page.close();
        await own?.stop();
      }
    });
  }
});
