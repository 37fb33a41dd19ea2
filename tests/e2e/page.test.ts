import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import type { Page, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary } from '../helpers/binary.js';
import { launchBrowser, type RunningBrowser } from '../helpers/browser.js';
import { startNginx } from '../helpers/nginx.js';
import { ensurePageBuilt } from '../helpers/page-build.js';
import { type Running, startVigil } from '../helpers/server.js';

const bin = requireBinary('chromium', 'apt-get install -y chromium', ['/usr/bin/chromium']);
const nginxBin = requireBinary('nginx', 'apt-get install -y nginx', ['/usr/sbin/nginx']);
const ARTIFACTS = join(import.meta.dirname, '../../test-artifacts');
/**
 * Multiplies the 2 s "tiles drawn" wait on a machine shared with other
 * heavy jobs (TEST_TIMEOUT_SCALE=5); it is a wait timeout, not a speed claim.
 */
const SCALE = Math.max(1, Number(process.env.TEST_TIMEOUT_SCALE) || 1);

/** Waits until every visible tile has a value (a tile of lines: its legend's first) and a sparkline with drawn pixels. */
async function waitForDrawnTiles(page: Page, min = 3, timeout = 10_000 * SCALE): Promise<void> {
  await page.waitForFunction(
    (min) => {
      const tiles = [...document.querySelectorAll<HTMLElement>('.tile')];
      if (tiles.length < min) return false;
      return tiles.slice(0, min).every((t) => {
        // A live tile's value row is named by its aria-label (its DOM text is not written), its first word the value.
        const num = t.classList.contains('cv') ? (t.querySelector('.tile-value')?.getAttribute('aria-label') ?? '').split(' ')[0] : (t.querySelector('.num, .ln-v')?.textContent ?? '');
        // A kiosk's live plot is painted into the text layer's canvas (at the plot's box), any other into its own.
        const spark = t.querySelector<HTMLElement>('.spark');
        const painted = !!spark && 'vigilPlot' in spark;
        const canvas = painted ? document.querySelector<HTMLCanvasElement>('.live-text canvas') : t.querySelector('canvas');
        if (!/\d/.test(num) || !canvas || !canvas.width || !canvas.height) return false;
        // A live tile's value is drawn by the page's text canvas: the drawn value is the DOM's.
        const drawn = (t as HTMLElement & { vigilText?: { shown(): { text: string }[] } }).vigilText?.shown() ?? [];
        if (t.classList.contains('cv') && !drawn.some((d) => d.text === num)) return false;
        const c = canvas.getBoundingClientRect();
        const b = painted ? spark!.getBoundingClientRect() : c;
        const k = canvas.width / c.width;
        const px = canvas.getContext('2d')!.getImageData(Math.round((b.left - c.left) * k), Math.round((b.top - c.top) * k), Math.max(1, Math.round(b.width * k)), Math.max(1, Math.round(b.height * k))).data;
        for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) return true;
        return false;
      });
    },
    min,
    { timeout, polling: 50 },
  );
}

const state = (page: Page) => page.getAttribute('.conn', 'data-state');
/** Newest point time of host.cpu.total as the page holds it. */
const newestCpuPoint = (page: Page) =>
  page.evaluate(() => {
    const w = window as unknown as { vigil: { store: { list(): { name: string; ring: { lastT: number } }[] } } };
    return w.vigil.store.list().find((s) => s.name === 'host.cpu.total')?.ring.lastT ?? NaN;
  });

describe.skipIf(!bin.path)('wall-display page in Chromium', () => {
  let browser: RunningBrowser;
  let pageDir: string;
  const servers: Array<{ stop(): Promise<void> }> = [];

  beforeAll(async () => {
    pageDir = await ensurePageBuilt();
    browser = await launchBrowser(bin.path!);
    // Spawn a renderer once, so the first test's 2 s wait is the page's, not the browser's start-up.
    const warm = await browser.context.newPage();
    await warm.goto('data:text/html,<canvas></canvas>');
    await warm.close();
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 120_000);
  afterEach(async () => {
    for (const s of servers.splice(0).reverse()) await s.stop();
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function vigil(overrides: Parameters<typeof startVigil>[0] = {}): Promise<Running> {
    const srv = await startVigil({ interval: 250, ...overrides }, { pageDir });
    servers.push(srv);
    return srv;
  }

  const consoleErrors = new WeakMap<Page, string[]>();
  async function open(url: string): Promise<Page> {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    const logged: string[] = [];
    consoleErrors.set(page, logged);
    page.on('console', (m) => m.type() === 'error' && logged.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    servers.push({ stop: async () => { await page.close(); expect(errors).toEqual([]); } });
    await page.goto(url);
    return page;
  }

  it('shows tiles with values, units and drawn sparklines, and says live', async () => {
    const srv = await vigil();
    const page = await open(srv.url + '/');
    // The "within 2 s" is a speed figure: measured and printed, not asserted,
    // so a busy CI machine cannot fail it; the wait only bounds a page that never draws.
    const t0 = Date.now();
    await waitForDrawnTiles(page, 5, 10_000 * SCALE);
    console.log(`page: 5 tiles with values and drawn sparklines ${Date.now() - t0} ms after load`);
    expect(await state(page)).toBe('live');
    const cpu = page.locator('.tile[data-key^="host.cpu.total@"]');
    // What screen readers read: the value row and footer are images named by their figures.
    await expect.poll(() => cpu.locator('.tile-value').ariaSnapshot()).toMatch(/^- img "[\d.]+ % updated (now|\d+ s ago)"$/);
    // CPU is judged on the built-in dashboard: its state is a word as well as a colour.
    expect(await cpu.locator('.state').textContent()).toMatch(/^. (OK|WARN|CRITICAL|UNKNOWN)$/);
    // The arrow: its trend for screen readers; its tooltip says what the arrows mean (fixed: a tick sets no title).
    expect(await page.locator('.tile[data-key^="host.mem.used@"] .trend').getAttribute('aria-label')).toMatch(/^trend (rising|falling|stable)$/);
    expect(await page.locator('.tile[data-key^="host.mem.used@"] .trend').getAttribute('title')).toBe('trend over the window: ▲ rising, ▼ falling, ▶ stable');
    expect(await cpu.locator('.tile-foot').ariaSnapshot()).toMatch(/img "min .+ % avg .+ % max .+ %"/);
    // Every footer figure is whole on the footer's visible line or wholly out of sight on a hidden one, never cut:
    // in the DOM for a tile that shows its text there (stale), in the text layer's layout for a live tile (.cv).
    const figures = await page.locator('.tile').evaluateAll((tiles) =>
      tiles.flatMap((t) => {
        const tile = t.getBoundingClientRect();
        if (t.classList.contains('cv')) {
          const c = document.querySelector('.live-text')!.getBoundingClientRect();
          const foot = t.querySelector('.tile-foot > .in')!.getBoundingClientRect();
          const shown = (t as HTMLElement & { vigilText: { shown(): { text: string; x: number; w: number; box: string }[] } }).vigilText.shown().filter((d) => d.box === 'foot');
          // Each figure inside the footer's box, apart from the next one, and each of min/avg/max shown once at most.
          return shown.map((d, i) => {
            const left = c.left + d.x;
            const right = left + d.w;
            const next = shown[i + 1];
            const apart = !next || right <= c.left + next.x + 0.5;
            return { key: `${t.getAttribute('data-key')}: ${d.text}`, ok: left >= foot.left - 0.5 && right <= foot.right + 0.5 && right <= tile.right && apart, shown: true };
          });
        }
        return [...t.querySelectorAll<HTMLElement>('.figs')].flatMap((box) => {
          const b = box.getBoundingClientRect();
          return [...box.querySelectorAll<HTMLElement>('span')].map((f) => {
            const r = f.getBoundingClientRect();
            const shown = r.top < b.bottom;
            return { key: `${t.getAttribute('data-key')}: ${f.textContent}`, ok: shown ? r.left >= b.left - 0.5 && r.right <= b.right + 0.5 && r.right <= tile.right : r.top >= b.bottom, shown };
          });
        });
      }),
    );
    expect(figures.length).toBeGreaterThan(10);
    for (const f of figures) expect(f.ok, f.key).toBe(true);
    // The maximum keeps its room: it shows on every single-series tile at this width.
    const singles = await page.locator('.tile-foot .figs-max span').count();
    const maxShown = figures.filter((f) => / max /.test(` ${f.key.split(': ')[1]}`));
    expect(maxShown.length).toBe(singles);
    expect(maxShown.every((f) => f.shown)).toBe(true);
    expect(await page.locator('.group[data-group="s0"] .section-title').textContent()).toBe('Host');
    expect(consoleErrors.get(page)).toEqual([]); // e.g. no CSP violation (the server sends style-src 'self')
    await page.screenshot({ path: join(ARTIFACTS, 'page-default.png') });
  });

  it('asks the stream for ?points= points per group (60 by default) and keeps no more per series than HISTORY', async () => {
    const srv = await vigil({ history: 20 });
    const streams: string[] = [];
    const onRequest = (r: Request) => {
      if (r.url().includes('/api/stream')) streams.push(new URL(r.url()).search);
    };
    browser.context.on('request', onRequest);
    try {
      const rings = (page: Page) =>
        page.evaluate(() => {
          const store = (window as unknown as { vigil: { store: { capacity: number; list(): { ring: { length: number } }[] } } }).vigil.store;
          return { capacity: store.capacity, longest: Math.max(...store.list().map((s) => s.ring.length)) };
        });
      const byDefault = await open(srv.url + '/');
      await waitForDrawnTiles(byDefault);
      expect(streams[0]).toBe('?history=60&compact=1');
      expect((await rings(byDefault)).capacity).toBe(20); // min(60, HISTORY)
      const five = await open(srv.url + '/?points=5');
      await waitForDrawnTiles(five);
      expect(streams).toContain('?history=5&compact=1');
      await new Promise((r) => setTimeout(r, 2000)); // 8 more ticks at 250 ms
      expect(await rings(five)).toEqual({ capacity: 5, longest: 5 });
    } finally {
      browser.context.off('request', onRequest);
    }
  });

  it('caps the canvas pixel ratio at 1 on a DPR-2 screen unless ?dpr= says otherwise', async () => {
    const srv = await vigil();
    const hi = await launchBrowser(bin.path!, { deviceScaleFactor: 2 });
    try {
      const ratio = async (query: string) => {
        const page = await hi.context.newPage();
        await page.goto(srv.url + '/' + query);
        await waitForDrawnTiles(page);
        const r = await page.evaluate(() => {
          const c = document.querySelector('.spark canvas') as HTMLCanvasElement;
          return { ratio: c.width / c.clientWidth, real: window.matchMedia('(min-resolution: 2dppx)').matches };
        });
        await page.close();
        return r;
      };
      expect(await ratio('')).toEqual({ ratio: 1, real: true });
      expect(await ratio('?dpr=2')).toEqual({ ratio: 2, real: true });
    } finally {
      await hi.close();
    }
  });

  it('says reconnecting when the server stops and resumes live with new points after a restart, without a reload', async () => {
    const first = await vigil();
    const port = Number(new URL(first.url).port);
    const page = await open(first.url + '/');
    await waitForDrawnTiles(page);
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    const before = await newestCpuPoint(page);

    await first.stop();
    await page.waitForFunction(() => document.querySelector('.conn')?.getAttribute('data-state') === 'reconnecting', null, { timeout: 10_000 * SCALE });

    await vigil({ port });
    await page.waitForFunction(() => document.querySelector('.conn')?.getAttribute('data-state') === 'live', null, { timeout: 20_000 * SCALE });
    await expect.poll(() => newestCpuPoint(page), { timeout: 5000 * SCALE }).toBeGreaterThan(before);
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(42);
    expect(await page.evaluate(() => (window as unknown as { vigil: { model: { resets: number } } }).vigil.model.resets)).toBeGreaterThanOrEqual(1);
    await waitForDrawnTiles(page);
  });

  it('recreates the EventSource after a 502 closes it for good', async () => {
    const srv = await vigil();
    await srv.vigil.start({ listen: false });
    let fail = false;
    const outer = express();
    outer.use((req, res, next) => (fail && req.path === '/api/stream' ? res.status(502).send('bad gateway') : next()));
    outer.use(srv.vigil.router);
    const server = await listen(outer);
    servers.push({ stop: () => close(server) });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const streams: string[] = [];
    const page = await open(url + '/');
    page.on('request', (r) => r.url().includes('api/stream') && streams.push(r.url()));
    await waitForDrawnTiles(page);

    fail = true;
    // Drop the live stream so the browser reconnects, meets the 502 and closes for good.
    srv.vigil.stream.stop();
    srv.vigil.stream.start();
    await page.waitForResponse((r) => r.url().includes('api/stream') && r.status() === 502, { timeout: 10_000 * SCALE });
    await page.waitForFunction(() => document.querySelector('.conn')?.getAttribute('data-state') === 'reconnecting', null, { timeout: 5000 * SCALE });
    fail = false;
    await page.waitForFunction(() => document.querySelector('.conn')?.getAttribute('data-state') === 'live', null, { timeout: 15_000 * SCALE });
    expect(streams.some((u) => /[?&]lastEventId=[^&]+/.test(u))).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { vigil: { model: { recreated: number } } }).vigil.model.recreated)).toBeGreaterThanOrEqual(1);
  });

  it('counts malformed events in the status bar and keeps drawing', async () => {
    const srv = await vigil();
    // A relay in front of the real stream that slips two bad events in first.
    const outer = express();
    outer.get('/api/stream', async (req, res) => {
      const ctl = new AbortController();
      req.on('close', () => ctl.abort());
      try {
        const upstream = await fetch(srv.url + req.originalUrl, { signal: ctl.signal, headers: { 'last-event-id': req.get('last-event-id') ?? '' } });
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write('event: host\ndata: {"t":"soon","source":"x","values":{}}\n\nevent: app\ndata: not json\n\n');
        for await (const chunk of upstream.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
      } catch {
        /* the page went away */
      }
      res.end();
    });
    outer.use(srv.vigil.router);
    const server = await listen(outer);
    servers.push({ stop: () => close(server) });
    const page = await open(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await waitForDrawnTiles(page);
    const warn = page.locator('.malformed');
    expect(await warn.getAttribute('data-malformed')).toBe('2');
    expect(await warn.textContent()).toMatch(/2 malformed events ignored/);
    expect(await warn.getAttribute('title')).toMatch(/^malformed app event/);
    expect(await state(page)).toBe('live');
  });

  // In the default view each plot strokes its own canvas; in the kiosk the text layer strokes every live plot into its
  // one canvas (each at its box's offset), so a plot that throws there must not stop the plots after it either.
  for (const query of ['', '?kiosk'] as const) {
    it(`keeps drawing the other tiles when one sparkline throws as it draws, and reports the error (${query || 'default view'})`, async () => {
      const srv = await vigil();
      // Not open(): this page is to report errors.
      const page = await browser.context.newPage();
      servers.push({ stop: () => page.close() });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.setViewportSize({ width: 1920, height: 1080 });
      await page.goto(`${srv.url}/${query}`);
      await waitForDrawnTiles(page, 5);
      // Every plot but the CPU tile's throws as it strokes its line; the CPU tile's strokes are counted.
      await page.evaluate(() => {
        const w = window as unknown as { okStrokes: number };
        w.okStrokes = 0;
        // The CPU tile's plot: in view, with new points every tick (a slow series, such as a disk's usage, may not redraw
        // for a minute). Found at each stroke: a render may make its plot anew.
        const CPU = '.tile[data-key^="host.cpu.total@"]';
        type Layer = { canvases(): Array<{ canvas: HTMLCanvasElement; top: number }> };
        // In the kiosk: the CPU plot's offset in the layer's canvas (device px), as the layer sets it for the plot.
        const cpuAt = () => {
          const root = document.querySelector('.live-text') as HTMLElement & { vigilLayer: Layer };
          const band = root.vigilLayer.canvases()[0];
          const cpu = document.querySelector(`${CPU} .spark`);
          if (!band || !cpu) return null;
          const box = root.parentElement!;
          const o = box.getBoundingClientRect();
          const r = cpu.getBoundingClientRect();
          const k = devicePixelRatio;
          return [Math.round((r.left - o.left - box.clientLeft) * k), Math.round((r.top - o.top - box.clientTop) * k) - Math.round(band.top * k)];
        };
        const stroke = CanvasRenderingContext2D.prototype.stroke;
        CanvasRenderingContext2D.prototype.stroke = function (this: CanvasRenderingContext2D, ...a: unknown[]) {
          if (this.canvas.parentElement?.classList.contains('live-text')) {
            const m = this.getTransform();
            const at = cpuAt();
            if (at && m.e === at[0] && m.f === at[1]) w.okStrokes++;
            else throw new Error('plot broken on purpose');
          } else if (this.canvas.closest(CPU)) w.okStrokes++;
          else if (this.canvas.closest('.spark')) throw new Error('plot broken on purpose');
          return (stroke as (...x: unknown[]) => void).apply(this, a);
        };
      });
      const strokes = () => page.evaluate(() => (window as unknown as { okStrokes: number }).okStrokes);
      await expect.poll(strokes, { timeout: 5000 * SCALE }).toBeGreaterThanOrEqual(3);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors[0]).toMatch(/plot broken on purpose/);
      expect(await state(page)).toBe('live');
    });
  }

  it('renders ?kiosk as one grid that fits the screen without scrolling', async () => {
    const srv = await vigil();
    const page = await open(srv.url + '/?kiosk&title=Ops%20wall');
    await page.setViewportSize({ width: 1920, height: 1080 });
    await waitForDrawnTiles(page, 5);
    expect(await page.locator('.bar').count()).toBe(0);
    expect(await page.locator('.kiosk-grid .tile').count()).toBeGreaterThan(5);
    expect(await page.locator('.kiosk-status .conn').getAttribute('data-state')).toBe('live');
    const { scroll, inner, lastBottom } = await page.evaluate(() => {
      const tiles = [...document.querySelectorAll('.tile')];
      return {
        scroll: document.documentElement.scrollHeight,
        inner: innerHeight,
        lastBottom: Math.max(...tiles.map((t) => t.getBoundingClientRect().bottom)),
      };
    });
    await page.screenshot({ path: join(ARTIFACTS, 'page-kiosk.png') });
    expect(scroll).toBeLessThanOrEqual(inner);
    expect(lastBottom).toBeLessThanOrEqual(inner);
    await page.screenshot({ path: join(ARTIFACTS, 'page-kiosk.png') });
  });

  it('renders ?embed compact on a transparent background, light theme included', async () => {
    const srv = await vigil();
    const page = await open(srv.url + '/?embed&theme=light&channels=host&metrics=host.cpu.*,host.mem.*');
    await waitForDrawnTiles(page, 2);
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgba(0, 0, 0, 0)');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    const names = await page.locator('.tile').evaluateAll((ts) => ts.map((t) => t.getAttribute('data-key')!.split('@')[0]));
    expect(names.length).toBeGreaterThan(1);
    expect(names.every((n) => /^host\.(cpu|mem)\./.test(n))).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'page-embed.png'), omitBackground: true });
  });

  it('passes ?token= on to the stream when reading needs a token', async () => {
    const token = 'wall-display-read-token-0123';
    const srv = await vigil({ readToken: token });
    const denied = await fetch(srv.url + '/api/stream');
    expect(denied.status).toBe(401);
    const streams: string[] = [];
    const page = await browser.context.newPage();
    servers.push({ stop: () => page.close() });
    page.on('request', (r) => r.url().includes('api/stream') && streams.push(r.url()));
    await page.goto(`${srv.url}/?token=${token}`);
    await waitForDrawnTiles(page);
    expect(await state(page)).toBe('live');
    expect(new URL(streams[0]).searchParams.get('token')).toBe(token);
  });

  describe.skipIf(!nginxBin.path)('behind nginx (docs/nginx.conf) under /status/', () => {
    // docs/nginx.conf closes a stream request it cannot pass on (444) rather than answer 502,
    // which EventSource would take as final: Chromium's own retry brings the page back.
    it('draws tiles, then heals by the browser\'s own retries after a Vigil restart that nginx answers with no response meanwhile', async () => {
      const first = await vigil();
      const port = Number(new URL(first.url).port);
      const nginx = await startNginx({ bin: nginxBin.path!, upstream: first.url });
      servers.push(nginx);
      const page = await open(nginx.url + '/status/');
      const streams: string[] = [];
      page.on('request', (r) => r.url().includes('api/stream') && streams.push(new URL(r.url()).pathname));
      await waitForDrawnTiles(page);
      await page.evaluate(() => ((window as unknown as { marker: number }).marker = 7));
      const before = await newestCpuPoint(page);

      const unanswered = page.waitForEvent('requestfailed', { predicate: (r) => r.url().includes('api/stream'), timeout: 15_000 * SCALE });
      const answered: number[] = [];
      page.on('response', (r) => r.url().includes('api/stream') && answered.push(r.status()));
      await first.stop();
      await unanswered; // the EventSource meets nginx with no instance: closed without an answer, so it retries
      await vigil({ port });
      await page.waitForFunction(() => document.querySelector('.conn')?.getAttribute('data-state') === 'live', null, { timeout: 30_000 * SCALE });
      await expect.poll(() => newestCpuPoint(page), { timeout: 5000 * SCALE }).toBeGreaterThan(before);
      expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(7);
      expect(answered.filter((s) => s !== 200)).toEqual([]);
      expect(await page.evaluate(() => (window as unknown as { vigil: { model: { recreated: number } } }).vigil.model.recreated)).toBe(0);
      expect(new Set(streams)).toEqual(new Set(['/status/api/stream']));
    });
  });

  it('works under /status/ with relative URLs only', async () => {
    const srv = await vigil();
    const outer = express();
    outer.use('/status', srv.vigil.router);
    const server = await listen(outer);
    servers.push({ stop: () => close(server) });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const requests: string[] = [];
    const page = await browser.context.newPage();
    servers.push({ stop: () => page.close() });
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    await page.goto(base + '/status'); // redirected to /status/, so relative URLs stay under it
    expect(new URL(page.url()).pathname).toBe('/status/');
    await waitForDrawnTiles(page);
    expect(requests).toContain('/status/api/stream');
    expect(requests.filter((p) => !p.startsWith('/status/'))).toEqual(['/status']); // only the redirected first request
  });
});

function listen(app: express.Express): Promise<Server> {
  const server = createServer(app);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
