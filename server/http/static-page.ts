import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler } from 'express';

/**
 * Where the Vite build of the page is, given the server's root folder (this
 * file's parent's parent): beside the compiled server (dist/server ->
 * dist/web), or dist/web when the server runs from its sources (server/ -> the
 * repo root). Never web/ itself: that is the page's unbuilt source.
 */
export function findPageDir(here = dirname(dirname(fileURLToPath(import.meta.url)))): string | null {
  const compiled = basename(here) === 'server' && basename(dirname(here)) === 'dist';
  const dir = compiled ? join(here, '../web') : join(here, '../dist/web');
  return existsSync(join(dir, 'index.html')) ? dir : null;
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
