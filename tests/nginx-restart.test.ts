import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary } from './helpers/binary.js';
import { continuity } from './helpers/continuity.js';
import { counterSource } from './helpers/counter.js';
import { startNginx, type Nginx } from './helpers/nginx.js';
import { spawnVigil, type VigilProcess } from './helpers/process.js';
import { redisBin, startRedis, type RunningRedis } from './helpers/redis.js';
import { startVigil, type Running } from './helpers/server.js';
import { SseRecorder } from './helpers/sse.js';

/*
 * docs/nginx.conf as written, in front of two real Vigil servers on one Redis
 * (so an id means the same on both), with 20 EventSource clients reading the
 * counter an agent publishes ten times a second. The backends are restarted the
 * ways operators do it; after each step every client must be streaming again
 * within 10 s of a backend being ready, and over the whole run each client's
 * counter must go up by exactly one from event to event: no gap, no duplicate.
 */

const nginxBin = requireBinary('nginx', 'apt-get install -y nginx', ['/usr/sbin/nginx']);
const CLIENTS = 20;
const BACK_WITHIN = 10_000;

let redis: RunningRedis;
let agent: Running;
let nginx: Nginx;
const backends: Array<{ port: number; proc: VigilProcess | null }> = [];
const clients: SseRecorder[] = [];

async function startBackend(b: { port: number; proc: VigilProcess | null }): Promise<number> {
  b.proc = await spawnVigil(['--role', 'server', '--redis-url', redis.url, '--port', String(b.port)]);
  const end = Date.now() + 20_000;
  while ((await fetch(`${b.proc.url}/readyz`)).status !== 200) {
    if (Date.now() > end) throw new Error(`backend on ${b.port} not ready in 20 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now();
}

/** A clean stop, as systemd or docker does it: SIGTERM, then wait for the exit. */
async function stopBackend(b: { proc: VigilProcess | null }): Promise<void> {
  const p = b.proc;
  b.proc = null;
  if (!p) return;
  p.proc.kill('SIGTERM');
  await p.exited;
}

/** Every client has an app event received after `since`; fails naming the clients that have not by `deadline`. */
async function allStreamingAfter(since: number, deadline: number, step: string): Promise<void> {
  const waiting = () => clients.filter((c) => !c.events.some((e) => e.type === 'app' && e.at > since));
  while (waiting().length > 0) {
    if (Date.now() > deadline) {
      const late = waiting();
      throw new Error(`${step}: ${late.length} of ${CLIENTS} clients not streaming ${BACK_WITHIN} ms after a backend was ready (states ${late.map((c) => c.es.readyState).join(',')})`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!nginxBin.path || !redisBin.path)('clients behind nginx (docs/nginx.conf) while both Vigil backends restart', () => {
  beforeAll(async () => {
    redis = await startRedis();
    agent = await startVigil({ role: 'agent', redisUrl: redis.url, source: 'agent' }, { sources: () => [counterSource()] });
    for (const port of await Promise.all([freePort(), freePort()])) backends.push({ port, proc: null });
    await Promise.all(backends.map((b) => startBackend(b)));
    nginx = await startNginx({ bin: nginxBin.path!, upstream: backends.map((b) => `http://127.0.0.1:${b.port}`) });
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) c.close();
    await nginx?.stop();
    for (const b of backends) await b.proc?.kill();
    await agent?.stop();
    await redis?.stop();
  });

  it('brings every client back within 10 s of a backend being ready, through rolling and full restarts, without a gap or a duplicate', async () => {
    for (let i = 0; i < CLIENTS; i++) clients.push(new SseRecorder(nginx.url + '/status/api/stream?channels=app&history=0'));
    await allStreamingAfter(Date.now(), Date.now() + 15_000, 'start');

    // Rolling: the first backend restarted and ready, then the second stopped.
    const [a, b] = backends;
    await stopBackend(a);
    let ready = await startBackend(a);
    await allStreamingAfter(ready, ready + BACK_WITHIN, 'rolling, first backend restarted');
    const stopped = Date.now();
    await stopBackend(b);
    await allStreamingAfter(Math.max(stopped, Date.now()), Date.now() + BACK_WITHIN, 'rolling, second backend stopped');
    ready = await startBackend(b);
    await allStreamingAfter(ready, ready + BACK_WITHIN, 'rolling, second backend back');

    // Full: both stopped at once, so for a while nginx has no backend at all; then both started.
    await Promise.all(backends.map((x) => stopBackend(x)));
    await new Promise((r) => setTimeout(r, 3000));
    ready = Math.min(...(await Promise.all(backends.map((x) => startBackend(x)))));
    await allStreamingAfter(ready, ready + BACK_WITHIN, 'full restart');

    for (const [i, c] of clients.entries()) {
      const seen = continuity(c.events);
      expect(seen.holes, `client ${i}: counter moves other than +1`).toEqual([]);
      expect(seen.resets, `client ${i}: reset snapshots (Redis kept everything, so none is needed)`).toBe(0);
      expect(c.es.readyState, `client ${i}: EventSource state`).not.toBe(c.es.CLOSED);
    }
  }, 180_000);
});

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}
