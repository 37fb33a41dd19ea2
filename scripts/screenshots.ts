/**
 * The screenshots of the README and docs/page.md, taken with headless Chromium
 * against a real Vigil fed by two simulated inference replicas:
 *   npx tsx scripts/screenshots.ts [outDir=docs]
 * docs/screenshot.png (built-in default dashboard), docs/kiosk-critical.png
 * (docs/dashboards.example.json in kiosk, one replica critical), docs/status-view.png (?view=status).
 */
import { join } from 'node:path';
import { launchBrowser } from '../tests/helpers/browser.js';
import { ensurePageBuilt } from '../tests/helpers/page-build.js';
import { startVigil } from '../tests/helpers/server.js';

const out = process.argv[2] ?? 'docs';
const TOKEN = 'screenshot-ingest-token-0123456789';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Two replicas: llm-1 healthy, llm-2 slow (critical latency, low tokens/s). */
function push(url: string, i: number) {
  const body = ['llm-1', 'llm-2'].map((source, r) => {
    const slow = r === 1;
    const wave = Math.sin(i / 6 + r);
    return {
      source,
      metrics: [
        { name: 'inference.tokens_per_s', value: slow ? 240 + 30 * wave : 1400 + 120 * wave, unit: 'tok/s' },
        { name: 'inference.latency.p95', value: slow ? 1350 + 80 * wave : 310 + 40 * wave, unit: 'ms' },
        { name: 'inference.queue.depth', value: Math.round(slow ? 34 + 6 * wave : 4 + 2 * wave), unit: '' },
        { name: 'gpu.util', value: slow ? 99 : 62 + 10 * wave, unit: '%' },
        { name: 'gpu.mem.used', value: slow ? 21.4 : 15.2 + wave, unit: 'GB' },
      ],
    };
  });
  return fetch(`${url}/api/ingest`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function shoot(dashboards: string | undefined, pages: Array<{ query: string; file: string; viewport: { width: number; height: number } }>) {
  const pageDir = await ensurePageBuilt();
  const srv = await startVigil({ interval: 1000, ingestToken: TOKEN, dashboards, diskUsageInterval: 30_000 }, { pageDir });
  const feeder = (async () => {
    for (let i = 0; srv.vigil.server; i++) {
      await push(srv.url, i).catch(() => {});
      await sleep(1000);
    }
  })();
  try {
    await sleep(12_000);
    for (const p of pages) {
      const browser = await launchBrowser('/usr/bin/chromium', { viewport: p.viewport });
      try {
        const page = await browser.context.newPage();
        await page.goto(`${srv.url}/${p.query}`);
        await sleep(4000);
        await page.screenshot({ path: join(out, p.file) });
        console.log(`${p.file}: ${p.query}`);
      } finally {
        await browser.close();
      }
    }
  } finally {
    await srv.stop();
    await feeder;
  }
}

await shoot(undefined, [{ query: '', file: 'screenshot.png', viewport: { width: 1600, height: 1000 } }]);
await shoot('docs/dashboards.example.json', [
  { query: '?kiosk', file: 'kiosk-critical.png', viewport: { width: 1920, height: 1080 } },
  { query: '?view=status', file: 'status-view.png', viewport: { width: 1100, height: 760 } },
]);
