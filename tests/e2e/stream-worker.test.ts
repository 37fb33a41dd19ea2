import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary } from '../helpers/binary.js';
import { launchBrowser, type RunningBrowser } from '../helpers/browser.js';
import { ensurePageBuilt } from '../helpers/page-build.js';
import { type Running, startVigil } from '../helpers/server.js';

const bin = requireBinary('chromium', 'apt-get install -y chromium', ['/usr/bin/chromium']);
const SCALE = Math.max(1, Number(process.env.TEST_TIMEOUT_SCALE) || 1);

/**
 * Counts the EventSources the page itself (its main thread) constructs: the
 * stream worker's own are not seen here, they live in the worker's scope.
 */
const COUNT_MAIN_THREAD_EVENTSOURCES = `(() => {
  const ES = window.EventSource;
  window.mainThreadEventSources = 0;
  window.EventSource = class extends ES { constructor(...a) { super(...a); window.mainThreadEventSources++; } };
})();`;

type PageState = { state: string; lastT: number; mainEs: number; recreated: number; malformed: number };
const pageState = (page: Page): Promise<PageState> =>
  page.evaluate(() => {
    const w = window as unknown as {
      mainThreadEventSources: number;
      vigil: { model: { state: string; recreated: number; malformed: number }; store: { list(): { name: string; ring: { lastT: number } }[] } };
    };
    const cpu = w.vigil.store.list().find((s) => s.name === 'host.cpu.total');
    return { state: w.vigil.model.state, lastT: cpu?.ring.lastT ?? NaN, mainEs: w.mainThreadEventSources, recreated: w.vigil.model.recreated, malformed: w.vigil.model.malformed };
  });

/** Waits until the page is live and its newest CPU point is newer than `after`. */
async function waitForFreshData(page: Page, after = 0, timeout = 15_000 * SCALE): Promise<PageState> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const s = await pageState(page);
    if (s.state === 'live' && s.lastT > after) return s;
    if (Date.now() > deadline) throw new Error(`no fresh data after ${after}: ${JSON.stringify(s)}`);
    await page.waitForTimeout(100);
  }
}

const streamWorkers = (page: Page) => page.workers().filter((w) => /stream-worker/.test(w.url()));

describe.skipIf(!bin.path)('the page reads its stream in a worker (Chromium)', () => {
  let browser: RunningBrowser;
  let pageDir: string;
  let srv: Running | null = null;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    pageDir = await ensurePageBuilt();
    browser = await launchBrowser(bin.path!);
  }, 120_000);
  afterEach(async () => {
    for (const p of browser.context.pages()) await p.close();
    await srv?.stop();
    srv = null;
    expect(pageErrors.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function open(initScript = ''): Promise<Page> {
    // A 1 s heartbeat: the watchdog calls a connection silent after 3 s.
    srv = await startVigil({ interval: 250, heartbeat: 1000 }, { pageDir });
    const page = await browser.context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.addInitScript(COUNT_MAIN_THREAD_EVENTSOURCES + initScript);
    await page.goto(`${srv.url}/?kiosk`);
    return page;
  }

  it('holds no EventSource on the main thread: one worker reads the stream and the tiles are live', async () => {
    const page = await open();
    const s = await waitForFreshData(page);
    expect(s.mainEs).toBe(0);
    expect(streamWorkers(page)).toHaveLength(1);
    // And it keeps coming.
    await waitForFreshData(page, s.lastT);
  });

  it('heals when its worker hangs: the watchdog ends it and a new worker takes over', async () => {
    const page = await open();
    const s = await waitForFreshData(page);
    const [hung] = streamWorkers(page);
    // The worker stops: no message, no error reaches the page (a hang, not a crash).
    await hung.evaluate(() => (globalThis as unknown as { close(): void }).close()).catch(() => {});
    const after = await waitForFreshData(page, s.lastT + 3000, 30_000 * SCALE);
    expect(after.recreated).toBeGreaterThanOrEqual(1);
    expect(after.mainEs).toBe(0);
    expect(streamWorkers(page).every((w) => w !== hung)).toBe(true);
  });

  it('heals when its worker throws, still in a worker', async () => {
    const page = await open();
    const s = await waitForFreshData(page);
    const [broken] = streamWorkers(page);
    await broken.evaluate(() => void setTimeout(() => { throw new Error('the stream worker fails'); }));
    const after = await waitForFreshData(page, s.lastT + 500, 30_000 * SCALE);
    expect(after.recreated).toBeGreaterThanOrEqual(1);
    expect(after.mainEs).toBe(0);
    expect(streamWorkers(page)).toHaveLength(1);
  });

  it('reads the stream on the main thread where no worker can start (constructor refused)', async () => {
    const page = await open(`window.Worker = function () { throw new DOMException('workers refused here', 'SecurityError'); };`);
    const s = await waitForFreshData(page);
    expect(s.mainEs).toBe(1);
    expect(s.recreated).toBe(0);
  });

  it("reads the stream on the main thread where the worker's script does not load", async () => {
    // A worker whose script is missing fails without a word: the page goes on without workers.
    const page = await open(`{ const W = window.Worker; window.Worker = function (url, o) { return new W(new URL('assets/no-such-worker.js', location.href), o); }; }`);
    const s = await waitForFreshData(page);
    expect(s.mainEs).toBe(1);
    expect(s.recreated).toBe(1);
    expect(streamWorkers(page)).toHaveLength(0);
  });
});
