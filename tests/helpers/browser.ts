import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface RunningBrowser {
  context: BrowserContext;
  /** The throw-away profile (its processes carry it as --user-data-dir: bench-page finds its renderers by it). */
  profile: string;
  /** Closes the browser and removes its profile; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Launches the system Chromium with a fresh, throw-away profile (never the
 * user's) and returns a context. Callers must `close()` it, usually in
 * afterAll; `withBrowser` does so for them.
 */
export async function launchBrowser(
  executablePath: string,
  opts: { viewport?: { width: number; height: number }; deviceScaleFactor?: number } = {},
): Promise<RunningBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'vigil-chromium-'));
  let context: BrowserContext;
  try {
    // A persistent context is how Playwright takes --user-data-dir.
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      args: CHROMIUM_ARGS,
      headless: true,
      timeout: 30_000,
      viewport: opts.viewport ?? { width: 1600, height: 900 },
      deviceScaleFactor: opts.deviceScaleFactor ?? 1,
    });
  } catch (err) {
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
  let closed = false;
  return {
    context,
    profile,
    async close() {
      if (closed) return;
      closed = true;
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Runs `fn` with a browser and always closes it, whatever `fn` does. */
export async function withBrowser<T>(executablePath: string, fn: (b: RunningBrowser) => Promise<T>): Promise<T> {
  const b = await launchBrowser(executablePath);
  try {
    return await fn(b);
  } finally {
    await b.close();
  }
}
