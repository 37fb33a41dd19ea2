/**
 * The floor: a bare Node `http` server that serialises one second's frames once
 * and writes the same Buffer to every open socket. Nothing else: no framework,
 * no sampling, no per-client state beyond the socket. Usage:
 *   floor-server.ts --port P --frames 900,700,600 [--interval 1000] [--express]
 * With --express the same handler is a route of an Express 5 app (Vigil's fixed
 * stack): what Express alone holds per open request, with nothing of Vigil's.
 * Each frame carries its send time as `"t":<ms>` (like Vigil's ticks) and is
 * padded to the given size, so the bytes per second match what Vigil sends.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import express from 'express';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, frames: { type: 'string', default: '800' }, interval: { type: 'string', default: '1000' }, express: { type: 'boolean', default: false } } });
const sizes = values.frames.split(',').map(Number);
const clients = new Set<ServerResponse>();
let seq = 0;

function frame(t: number, size: number): string {
  const id = ++seq;
  const head = `id: ${id}\nevent: tick\ndata: {"t":${t},"pad":"`;
  const tail = '"}\n\n';
  return head + 'x'.repeat(Math.max(0, size - head.length - tail.length)) + tail;
}

function stream(res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  // A first data frame at once, as Vigil's snapshot and esm's esm_start are; it carries no time.
  res.write('retry: 2000\n\nevent: hello\ndata: {}\n\n');
  clients.add(res);
  res.on('close', () => clients.delete(res));
}

function bare(req: IncomingMessage, res: ServerResponse): void {
  if (req.url === '/healthz') {
    res.end('ok');
    return;
  }
  if (req.url !== '/stream') {
    res.statusCode = 404;
    res.end();
    return;
  }
  stream(res);
}

function withExpress(): express.Express {
  const app = express();
  app.get('/healthz', (_req, res) => void res.end('ok'));
  app.get('/stream', (_req, res) => stream(res));
  return app;
}

const server = createServer(values.express ? withExpress() : bare);
server.requestTimeout = 0;

const timer = setInterval(() => {
  const t = Date.now();
  const bytes = Buffer.from(sizes.map((s) => frame(t, s)).join(''));
  for (const res of clients) res.write(bytes);
}, Number(values.interval));

server.listen(Number(values.port), '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => {
  clearInterval(timer);
  for (const res of clients) res.destroy();
  server.close(() => process.exit(0));
});
