import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stat } from '../../shared/schema.js';
import { requireBinary } from '../helpers/binary.js';
import { launchBrowser, type RunningBrowser } from '../helpers/browser.js';
import { ensurePageBuilt } from '../helpers/page-build.js';
import { type Running, startVigil } from '../helpers/server.js';

const bin = requireBinary('chromium', 'apt-get install -y chromium', ['/usr/bin/chromium']);
const SCALE = Math.max(1, Number(process.env.TEST_TIMEOUT_SCALE) || 1);
const stat = (v: number): Stat => ({ v, min: v, max: v, avg: v, n: 1, trend: 'stable', u: 'ms' });

interface PageSeries {
  name: string;
  source: string;
  ring: { length: number; lastT: number; step?: number; view(): Float64Array[] };
}
const seriesOf = (page: Page, name: string, source: string) =>
  page.evaluate(
    ([name, source]) => {
      const w = window as unknown as { vigil: { store: { list(): PageSeries[] } } };
      const s = w.vigil.store.list().find((x) => x.name === name && x.source === source);
      if (!s) return null;
      const [t, avg, lo, hi] = s.ring.view();
      return { bands: s.ring.view().length, step: s.ring.step, t: [...t], avg: [...avg], lo: lo ? [...lo] : [], hi: hi ? [...hi] : [] };
    },
    [name, source],
  );

describe.skipIf(!bin.path)('the page at ?span=1h', () => {
  let browser: RunningBrowser;
  let srv: Running;
  let pageDir: string;

  beforeAll(async () => {
    pageDir = await ensurePageBuilt();
    browser = await launchBrowser(bin.path!);
    srv = await startVigil({ interval: 250 }, { pageDir });
    // Twenty minutes of a pushed latency, one tick every 10 s, with a one-tick spike of 900.
    const now = Date.now();
    for (let i = 120; i >= 1; i--) srv.vigil.hub.publish('app', { t: now - i * 10_000, source: 'past', values: { 'app.latency': stat(i === 60 ? 900 : 100 + (i % 7)) } });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await srv?.stop();
  });

  it('draws coarse points as a min–max band with the average, shows the spike in the figures, and switches span by link', async () => {
    const page = await browser.context.newPage();
    const streams: string[] = [];
    page.on('request', (r) => r.url().includes('api/stream') && streams.push(r.url()));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${srv.url}/?span=1h&points=60`);
      await page.waitForFunction(() => document.querySelectorAll('.tile canvas').length > 3, undefined, { timeout: 10_000 * SCALE });
      expect(streams[0]).toContain('span=1h');
      expect(streams[0]).toContain('points=60');
      const past = await seriesOf(page, 'app.latency', 'past');
      expect(past!.bands).toBe(4);
      expect(past!.step).toBe(70_000);
      expect(past!.t.length).toBeGreaterThanOrEqual(16);
      expect(Math.max(...past!.hi)).toBe(900);
      expect(past!.t.every((t) => t % 70_000 === 0)).toBe(true);
      const tile = page.locator('.tile[data-key="app.latency@past"]');
      await expect.poll(() => tile.locator('.tile-foot').ariaSnapshot()).toMatch(/max 900/);

      // Live ticks fold into the open bucket: host.cpu.total keeps its aligned buckets, the newest growing.
      const before = await seriesOf(page, 'host.cpu.total', srv.vigil.config.source);
      await page.waitForTimeout(1500);
      const after = await seriesOf(page, 'host.cpu.total', srv.vigil.config.source);
      expect(after!.bands).toBe(4);
      expect(after!.t.at(-1)! - before!.t.at(-1)!).toBeLessThanOrEqual(70_000);
      expect(after!.t.length - before!.t.length).toBeLessThanOrEqual(1);

      const current = page.locator('.spans a[aria-current="true"]');
      expect(await current.textContent()).toBe('1h');
      await page.locator('.spans a', { hasText: '24h' }).click();
      await page.waitForURL(/span=24h/);
      await expect.poll(() => streams.some((u) => u.includes('span=24h'))).toBe(true);
      await expect.poll(async () => (await seriesOf(page, 'app.latency', 'past'))?.step).toBe(25 * 60_000);
      expect(new URL(page.url()).searchParams.get('points')).toBe('60');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);
});
