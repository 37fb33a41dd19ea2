/**
 * docs/inference.png: the built-in inference dashboard (?dashboard=inference) in
 * headless Chromium, filled by two vLLM stand-ins (tests/fixtures/vllm_fixture.py)
 * scraped by a real Vigil: llm-1 healthy, llm-2 queueing (waiting requests critical).
 *   npx tsx scripts/screenshot-inference.ts [out=docs/inference.png]
 */
import { launchBrowser } from '../tests/helpers/browser.js';
import { startVllmFixture } from '../tests/helpers/exporters.js';
import { ensurePageBuilt } from '../tests/helpers/page-build.js';
import { startVigil } from '../tests/helpers/server.js';

const out = process.argv[2] ?? 'docs/inference.png';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const healthy = await startVllmFixture(['--gen-rate', '1450', '--prompt-rate', '3900', '--req-rate', '6', '--running', '12', '--waiting', '1', '--kv-cache', '0.46', '--ttft', '0.18', '--e2e-fast', '4.2', '--e2e-slow', '9']);
const busy = await startVllmFixture(['--gen-rate', '610', '--prompt-rate', '5200', '--req-rate', '2.5', '--running', '28', '--waiting', '31', '--kv-cache', '0.97', '--ttft', '2.1', '--e2e-fast', '11', '--e2e-slow', '24']);
try {
  const pageDir = await ensurePageBuilt();
  const srv = await startVigil(
    { interval: 1000, diskUsageInterval: 30_000, scrape: [`${healthy.url};name=llm-1;match=vllm:*`, `${busy.url};name=llm-2;match=vllm:*`] },
    { pageDir },
  );
  try {
    await sleep(25_000);
    const browser = await launchBrowser('/usr/bin/chromium', { viewport: { width: 1600, height: 1560 } });
    try {
      const page = await browser.context.newPage();
      await page.goto(`${srv.url}/?dashboard=inference`);
      await sleep(5000);
      await page.screenshot({ path: out });
      console.log(`${out}: ?dashboard=inference`);
    } finally {
      await browser.close();
    }
  } finally {
    await srv.stop();
  }
} finally {
  await healthy.stop();
  await busy.stop();
}
