import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary } from '../helpers/binary.js';
import { launchBrowser, type RunningBrowser } from '../helpers/browser.js';
import { ensurePageBuilt } from '../helpers/page-build.js';
import { type Running, startVigil } from '../helpers/server.js';

const bin = requireBinary('chromium', 'apt-get install -y chromium', ['/usr/bin/chromium']);
const TOKEN = 'lines-page-ingest-token-0123456789';
/** A wait bound on a machine shared with other heavy jobs (TEST_TIMEOUT_SCALE=5), not a speed claim. */
const SCALE = Math.max(1, Number(process.env.TEST_TIMEOUT_SCALE) || 1);
const dir = mkdtempSync(join(tmpdir(), 'vigil-lines-page-'));

/** Three modes of one metric on one tile, judged line by line. */
const DASHBOARDS = {
  dashboards: {
    default: {
      title: 'Lines',
      sections: [{ title: 'CPU', tiles: [{ metric: 'app.cpu', title: 'CPU by mode', lines: 'mode', warn: 50, critical: 60 }] }],
    },
  },
};
const MODES = { user: 10, system: 40, iowait: 80 } as const;
const KEY = 'app.cpu{mode=*}@box';
/** The page's line colours (web/styles.css --line-0…2, dark theme). */
const LINE_RGB = [
  [0x5c, 0xb8, 0xff],
  [0xff, 0xb4, 0x5c],
  [0x3d, 0xd6, 0xc6],
];

describe.skipIf(!bin.path)('a tile of several lines in Chromium', () => {
  let browser: RunningBrowser;
  let srv: Running;
  let feeder: ReturnType<typeof setInterval>;

  const push = (values: Record<string, number>) =>
    fetch(`${srv.url}/api/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'box', metrics: Object.entries(values).map(([mode, value]) => ({ name: 'app.cpu', labels: { mode }, value, unit: '%' })) }),
    }).then((r) => expect(r.status).toBe(202));

  beforeAll(async () => {
    const pageDir = await ensurePageBuilt();
    const path = join(dir, 'dashboards.json');
    writeFileSync(path, JSON.stringify(DASHBOARDS));
    srv = await startVigil({ interval: 250, ingestToken: TOKEN, ingestCoalesce: 0, dashboards: path }, { pageDir });
    await push(MODES);
    // A few points a line, so each draws a stretch of line, not a dot.
    feeder = setInterval(() => void push(MODES).catch(() => {}), 250);
    browser = await launchBrowser(bin.path!, { viewport: { width: 1200, height: 800 } });
  }, 120_000);
  afterAll(async () => {
    clearInterval(feeder);
    await browser?.close();
    await srv?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(query: string): Promise<Page> {
    const page = await browser.context.newPage();
    await page.goto(`${srv.url}/${query}`);
    return page;
  }

  it('draws the series as three lines of one tile, with a legend naming each line and its value, and the worst state', async () => {
    const page = await open('');
    const tile = page.locator(`.tile[data-key="${KEY}"]`);
    await tile.waitFor({ timeout: 10_000 * SCALE });
    expect(await page.locator('.tile').count()).toBe(1);
    expect(await tile.getAttribute('data-lines')).toBe('3');
    expect(await tile.locator('.tile-name').textContent()).toBe('CPU by mode');
    const legend = await tile.locator('.legend li').evaluateAll((lis) => lis.map((li) => [li.getAttribute('data-line'), li.textContent?.trim(), getComputedStyle(li.querySelector('.sw')!).backgroundColor]));
    expect(legend).toEqual([
      ['user', 'user10.0 %', 'rgb(92, 184, 255)'],
      ['system', 'system40.0 %', 'rgb(255, 180, 92)'],
      ['iowait', expect.stringMatching(/^iowait✕ 80\.0 %$/), 'rgb(61, 214, 198)'],
    ]);
    // Each line is its own check; the tile shows the worst, by word as well as colour.
    await expect.poll(() => tile.getAttribute('data-status'), { timeout: 5000 * SCALE }).toBe('critical');
    expect(await tile.locator('.state').textContent()).toContain('CRITICAL');
    expect(await tile.locator('li[data-line="iowait"]').getAttribute('data-status')).toBe('critical');
    expect(await tile.locator('li[data-line="user"]').getAttribute('data-status')).toBe('ok');

    // The canvas holds one line of each colour.
    await page.waitForTimeout(1500);
    const counts = await tile.locator('canvas').evaluate((c: HTMLCanvasElement, rgbs: number[][]) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const n = rgbs.map(() => 0);
      for (let i = 0; i < d.length; i += 4)
        rgbs.forEach(([r, g, b], k) => {
          if (d[i + 3] > 200 && Math.abs(d[i] - r) + Math.abs(d[i + 1] - g) + Math.abs(d[i + 2] - b) < 30) n[k]++;
        });
      return n;
    }, LINE_RGB);
    for (const n of counts) expect(n).toBeGreaterThan(20);
  });

  it('lists each line as a check of its own on ?view=status', async () => {
    const page = await open('?view=status');
    await page.locator('.row').first().waitFor({ timeout: 10_000 * SCALE });
    await expect.poll(() => page.locator('.row').count(), { timeout: 5000 * SCALE }).toBe(3);
    const rows = await page.locator('.row').evaluateAll((rs) => rs.map((r) => [r.querySelector('.row-name')?.textContent, r.getAttribute('data-status')]));
    expect(rows).toEqual([
      ['CPU by mode user', 'ok'],
      ['CPU by mode system', 'ok'],
      ['CPU by mode iowait', 'critical'],
    ]);
  });
});
