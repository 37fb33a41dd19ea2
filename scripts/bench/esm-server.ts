/**
 * express-status-monitor as its README sets it up (`app.use(require('express-status-monitor')())`),
 * with one addition for the benchmark: its socket.io server is created here and
 * passed in through esm's documented `websocket` option, so `io.emit` can stamp
 * each `esm_stats` payload with its send time (`sentAt`) for publish→receive
 * latency. The socket.io is the one esm depends on (2.x), resolved from esm's own
 * package. Usage: esm-server.ts --port P [--speed 1]
 */
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import express from 'express';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, speed: { type: 'string', default: '1' } } });
// --speed k divides esm's default span intervals (1, 5, 15 s; 60 points each) so its history fills k times faster.
const speed = Number(values.speed);
const spans = [1, 5, 15].map((s) => ({ interval: s / speed, retention: 60 }));
const require = createRequire(import.meta.url);
const esmPath = require.resolve('express-status-monitor');
const statusMonitor = require(esmPath) as (config?: Record<string, unknown>) => express.RequestHandler;
const socketIo = createRequire(esmPath)('socket.io') as (srv: unknown, opts?: Record<string, unknown>) => {
  emit: (ev: string, ...args: unknown[]) => unknown;
  close: () => void;
};

const app = express();
const server = createServer(app);
server.requestTimeout = 0;
const io = socketIo(server);
const emit = io.emit.bind(io);
io.emit = (ev: string, ...args: unknown[]) =>
  ev === 'esm_stats' ? emit(ev, { ...(args[0] as object), sentAt: Date.now() }) : emit(ev, ...args);

app.use(statusMonitor({ websocket: io, spans }));
app.get('/healthz', (_req, res) => {
  res.send('ok');
});

server.listen(Number(values.port), '127.0.0.1', async () => {
  // esm starts its samplers on the first request through its middleware.
  const addr = server.address() as { port: number };
  await fetch(`http://127.0.0.1:${addr.port}/healthz`);
  console.log('ready');
});
process.on('SIGTERM', () => {
  io.close();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
