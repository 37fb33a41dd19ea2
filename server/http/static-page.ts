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

/**
 * Serves the page; hashed assets are immutable, index.html is always revalidated.
 * A directory is never redirected to its slash form (serve-static's redirect
 * copies the query, `?token=` included, into Location and the body), except the
 * mount point itself (`/status` -> `/status/`), which the page's relative URLs
 * need: that redirect keeps the query without `token`.
 */
export function pageHandler(dir: string | null): RequestHandler {
  if (!dir) {
    return (_req, res) => {
      res.status(503).type('text/plain').send('The page is not built: run `npm run build`. The stream is at api/stream.\n');
    };
  }
  const files = express.static(dir, {
    index: 'index.html',
    redirect: false,
    setHeaders(res, path) {
      res.setHeader('Cache-Control', path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
    },
  });
  return (req, res, next) => {
    const original = new URL(req.originalUrl, 'http://x');
    if ((req.method === 'GET' || req.method === 'HEAD') && req.path === '/' && !original.pathname.endsWith('/')) {
      original.searchParams.delete('token');
      // One leading slash: '//host' in Location would leave this origin.
      const path = original.pathname.replace(/^\/+/, '/') + '/';
      res.redirect(301, path + original.search);
      return;
    }
    files(req, res, next);
  };
}
