import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const PAGE_DIR = join(ROOT, 'dist/web');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/**
 * Builds the page with Vite when dist/web is missing or older than any file in
 * web/ (or shared/), so browser tests never run against a stale bundle.
 * Returns the directory to pass as `pageDir`.
 */
export async function ensurePageBuilt(): Promise<string> {
  let built = 0;
  try {
    built = statSync(join(PAGE_DIR, 'index.html')).mtimeMs;
  } catch {
    /* not built yet */
  }
  if (built < Math.max(newest(join(ROOT, 'web')), newest(join(ROOT, 'shared')))) {
    const { build } = await import('vite');
    await build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn' });
  }
  return PAGE_DIR;
}
