import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary } from '../helpers/binary.js';
import { launchBrowser, type RunningBrowser } from '../helpers/browser.js';
import { ensurePageBuilt } from '../helpers/page-build.js';
import { type Running, startVigil } from '../helpers/server.js';
import { SseRecorder } from '../helpers/sse.js';

const bin = requireBinary('chromium', 'apt-get install -y chromium', ['/usr/bin/chromium']);
const TOKEN = 'checks-page-ingest-token-0123456789';
/** A wait bound on a machine shared with other heavy jobs (TEST_TIMEOUT_SCALE=5), not a speed claim. */
const SCALE = Math.max(1, Number(process.env.TEST_TIMEOUT_SCALE) || 1);
const dir = mkdtempSync(join(tmpdir(), 'vigil-checks-page-'));

const DASHBOARDS = {
  dashboards: {
    default: {
      title: 'Ops wall',
      sections: [
        { title: 'Inference', tiles: [{ metric: 'inference.latency.p95', source: 'llm-*', title: 'p95 latency', warn: 500, critical: 1000 }, { metric: 'inference.*' }] },
        { title: 'Host', tiles: [{ metric: 'host.cpu.total', title: 'CPU' }] },
      ],
    },
    quiet: { title: 'Quiet', sections: [{ title: 'Only CPU', tiles: [{ metric: 'host.cpu.total' }] }] },
  },
};

describe.skipIf(!bin.path)('judged tiles in Chromium', () => {
  let browser: RunningBrowser;
  let pageDir: string;
  let srv: Running | null = null;
  const pages: Page[] = [];
  const clients: SseRecorder[] = [];

  beforeAll(async () => {
    pageDir = await ensurePageBuilt();
    browser = await launchBrowser(bin.path!, { viewport: { width: 1400, height: 900 } });
  }, 120_000);
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const p of pages.splice(0)) await p.close();
    await srv?.stop();
    srv = null;
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(): Promise<Running> {
    const path = join(dir, 'dashboards.json');
    writeFileSync(path, JSON.stringify(DASHBOARDS));
    srv = await startVigil({ interval: 250, ingestToken: TOKEN, ingestCoalesce: 0, dashboards: path }, { pageDir });
    return srv;
  }

  async function open(url: string): Promise<Page> {
    const page = await browser.context.newPage();
    pages.push(page);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    return page;
  }

  const push = (url: string, source: string, value: number) =>
    fetch(`${url}/api/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ source, metrics: [{ name: 'inference.latency.p95', value, unit: 'ms' }, { name: 'inference.tokens_per_s', value: 1000, unit: 'tok/s' }] }),
    }).then((r) => expect(r.status).toBe(202));

  const tileStatus = (page: Page, source: string) => page.getAttribute(`.tile[data-key="inference.latency.p95@${source}"]`, 'data-status');
  const statusOf = async (url: string) => ((await (await fetch(`${url}/api/status`)).json()) as { status: string }).status;

  it('turns the tile, the status line, event: status and api/status critical within 2 s, and back once below the clear level', async () => {
    const { url } = await start();
    await push(url, 'llm-1', 200);
    await push(url, 'llm-2', 250);
    const page = await open(`${url}/`);
    const sse = new SseRecorder(`${url}/api/stream?history=0`);
    clients.push(sse);
    await page.waitForSelector('.tile[data-key="inference.latency.p95@llm-1"][data-status="ok"]', { timeout: 10_000 * SCALE });
    expect(await page.textContent('.statusline')).toContain('All normal');
    expect(await page.textContent('.section-title')).toBe('Inference');
    // Two sources of one metric: each tile says which it is.
    expect(await page.locator('.tile[data-key="inference.latency.p95@llm-2"] .tile-source').textContent()).toBe('llm-2');
    await sse.waitFor((r) => r.of('snapshot').length > 0, 5000, 'snapshot');

    const t0 = Date.now();
    await push(url, 'llm-2', 1500);
    await page.waitForSelector('.tile[data-key="inference.latency.p95@llm-2"][data-status="critical"]', { timeout: 2000 * SCALE });
    await sse.waitFor((r) => r.of('status').some((e) => e.data.includes('"status":"critical"')), 2000 * SCALE, 'event: status critical');
    expect(await statusOf(url)).toBe('critical');
    console.log(`checks page: tile critical ${Date.now() - t0} ms after the push`);
    // Colour and a word: the badge reads CRITICAL, the line names the check and its source.
    expect(await page.locator('.tile[data-key="inference.latency.p95@llm-2"] .state').textContent()).toContain('CRITICAL');
    await expect.poll(() => page.textContent('.statusline'), { timeout: 2000 * SCALE }).toMatch(/1 critical — p95 latency/);
    expect(await tileStatus(page, 'llm-1')).toBe('ok');

    await push(url, 'llm-2', 980); // within the hysteresis band (clears at 950)
    await new Promise((r) => setTimeout(r, 500));
    expect(await tileStatus(page, 'llm-2')).toBe('critical');
    await push(url, 'llm-2', 100);
    await page.waitForSelector('.tile[data-key="inference.latency.p95@llm-2"][data-status="ok"]', { timeout: 2000 * SCALE });
    await expect.poll(() => page.textContent('.statusline'), { timeout: 2000 * SCALE }).toContain('All normal');
    expect(await statusOf(url)).toBe('ok');
    expect((await (await fetch(`${url}/api/status?fail=critical`)).status)).toBe(200);
  });

  // A tile writes its value, figures and age itself when only they change, and renders when its state
  // changes: whichever way a second went, the tile reads the newest value (here it returns to one it
  // showed before the state changed twice).
  it('shows the newest value and figures across value-only updates and state changes', async () => {
    const { url } = await start();
    await push(url, 'llm-1', 200);
    await push(url, 'llm-2', 200);
    const page = await open(`${url}/`);
    const tile = page.locator('.tile[data-key="inference.latency.p95@llm-2"]');
    // What the user sees: a live tile's figures are drawn by the page's text canvas (the DOM keeps the same text unrendered, checked alike).
    const shown = (box: 'value' | 'foot') =>
      tile.evaluate((t, box) => {
        const el = t.querySelector(box === 'value' ? '.tile-value' : '.tile-foot')!;
        if (!t.classList.contains('cv')) return el.textContent ?? '';
        // A live tile names the row for screen readers (aria-label) instead of writing its hidden text.
        const dom = el.getAttribute('aria-label') ?? '';
        const drawn = (t as HTMLElement & { vigilText: { shown(): Array<{ text: string; box: string }> } }).vigilText.shown().filter((d) => d.box === box).map((d) => d.text);
        // The canvas draws the strings the row is named by (the footer's may drop figures that do not fit).
        return drawn.every((d) => dom.includes(d)) ? drawn.join(box === 'value' ? '' : ' ') : `canvas ${drawn.join('|')} != aria-label ${dom}`;
      }, box);
    const value = () => shown('value');
    await expect.poll(value, { timeout: 10_000 * SCALE }).toMatch(/^200ms/);
    for (const v of [300, 420]) {
      await push(url, 'llm-2', v);
      await expect.poll(value, { timeout: 2000 * SCALE }).toMatch(new RegExp(`^${v}ms`));
      expect(await tile.getAttribute('data-status')).toBe('ok');
    }
    await push(url, 'llm-2', 1500);
    await page.waitForSelector('.tile[data-key="inference.latency.p95@llm-2"][data-status="critical"]', { timeout: 2000 * SCALE });
    await expect.poll(value, { timeout: 2000 * SCALE }).toMatch(/^1\.5s/);
    await expect.poll(() => shown('foot'), { timeout: 2000 * SCALE }).toMatch(/max 1\.5 s$/);
    await push(url, 'llm-2', 420);
    await page.waitForSelector('.tile[data-key="inference.latency.p95@llm-2"][data-status="ok"]', { timeout: 2000 * SCALE });
    await expect.poll(value, { timeout: 2000 * SCALE }).toMatch(/^420ms/);
    await push(url, 'llm-2', 430);
    await expect.poll(value, { timeout: 2000 * SCALE }).toMatch(/^430ms/);
    // The untouched replica still reads its own value.
    expect(await page.locator('.tile[data-key="inference.latency.p95@llm-1"] .tile-value').ariaSnapshot()).toMatch(/img "200 ms /);
  });

  it('shows ?view=status as a row per check, and ?dashboard= another dashboard', async () => {
    const { url } = await start();
    await push(url, 'llm-1', 700);
    const page = await open(`${url}/?view=status`);
    const row = page.locator('.row[data-key="inference.latency.p95@llm-1"]');
    await row.waitFor({ timeout: 10_000 * SCALE });
    await expect.poll(() => row.getAttribute('data-status')).toBe('warn');
    expect(await row.locator('.state').textContent()).toContain('WARN');
    expect(await row.locator('.row-value').textContent()).toBe('700 ms');
    // Only judged tiles have rows: tokens/s and CPU carry no levels.
    expect(await page.locator('.row').count()).toBe(1);

    const quiet = await open(`${url}/?dashboard=quiet`);
    await quiet.waitForSelector('.tile[data-key^="host.cpu.total@"]', { timeout: 10_000 * SCALE });
    expect(await quiet.textContent('.bar-title')).toBe('Quiet');
    expect(await quiet.locator('.tile').count()).toBe(1);
    const missing = await open(`${url}/?dashboard=nope`);
    await expect.poll(() => missing.textContent('.bar'), { timeout: 5000 * SCALE }).toContain('no dashboard "nope" (there are: default, quiet); showing "default"');
  });
});
