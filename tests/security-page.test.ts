import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary } from './helpers/binary.js';
import { launchBrowser, type RunningBrowser } from './helpers/browser.js';
import { ensurePageBuilt } from './helpers/page-build.js';
import { startVigil, type Running } from './helpers/server.js';

const bin = requireBinary('chromium', 'apt-get install -y chromium', ['/usr/bin/chromium']);
const ARTIFACTS = join(import.meta.dirname, '../test-artifacts');
const READ = 'page-read-token-0123456789';
const INGEST = 'page-ingest-token-0123456789';

describe.skipIf(!bin.path)('the page under the security settings, in Chromium', () => {
  let browser: RunningBrowser;
  let srv: Running;

  beforeAll(async () => {
    const pageDir = await ensurePageBuilt();
    browser = await launchBrowser(bin.path!);
    srv = await startVigil({ readToken: READ, ingestToken: INGEST, ingestCoalesce: 0 }, { pageDir });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await srv?.stop();
  });

  it('draws host and pushed app metrics with ?token=, under the CSP, without a single violation', async () => {
    const push = () =>
      fetch(srv.url + '/api/ingest', {
        method: 'POST',
        headers: { Authorization: `Bearer ${INGEST}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ source: 'llm-1', metrics: [{ name: 'inference.tokens_per_s', value: 1000 + Math.random() * 400, unit: 'tok/s' }] }),
      });
    for (let i = 0; i < 3; i++) expect((await push()).status).toBe(202);
    const page = await browser.context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    try {
      const res = await page.goto(`${srv.url}/?token=${READ}`);
      expect(res?.status()).toBe(200);
      expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
      const timer = setInterval(() => void push(), 300);
      try {
        await page.waitForFunction(() => {
          const names = [...document.querySelectorAll('.tile')].map((t) => t.textContent ?? '');
          return names.some((n) => n.includes('tokens_per_s')) && names.some((n) => n.includes('cpu'));
        }, undefined, { timeout: 15_000 });
      } finally {
        clearInterval(timer);
      }
      await page.screenshot({ path: join(ARTIFACTS, 'page-read-token.png') });
      expect(violations).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);

  it('refuses the page without the token', async () => {
    const page = await browser.context.newPage();
    try {
      const res = await page.goto(`${srv.url}/`);
      expect(res?.status()).toBe(401);
    } finally {
      await page.close();
    }
  });
});
