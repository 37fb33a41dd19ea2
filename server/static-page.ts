import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler } from 'express';

/** Where the Vite build of the page is: beside the compiled server, or dist/web from the sources. */
export function findPageDir(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const dir of [join(here, '../web'), join(here, '../dist/web')]) {
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return null;
}

/** Serves the page; hashed assets are immutable, index.html is always revalidated. */
export function pageHandler(dir: string | null): RequestHandler {
  if (!dir) {
    return (_req, res) => {
      res.status(503).type('text/plain').send('The page is not built: run `npm run build`. The stream is at api/stream.\n');
    };
  }
  return express.static(dir, {
    index: 'index.html',
    setHeaders(res, path) {
      res.setHeader('Cache-Control', path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
    },
  });
}
