import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { TickEvent } from '../shared/schema.js';
import { RedisPublisher } from '../server/hub/redis/publisher.js';
import { continuity, rawFrames } from './helpers/continuity.js';
import { spawnVigil, type VigilProcess } from './helpers/process.js';
import { openRaw, type RawStream } from './helpers/raw-stream.js';
import { redisBin, startRedis, type RunningRedis } from './helpers/redis.js';
import { startVigil, type Running } from './helpers/server.js';
import { SseRecorder } from './helpers/sse.js';

/*
 * The rule under test: a server whose position in the Redis stream was trimmed
 * away (it fell more than REPLAY entries behind) must tell its clients with a
 * `snapshot` `"reset": true`; between two snapshots a client sees every event,
 * in order. Each event carries a counter 1, 2, 3… so a hole shows in the values.
 */

const REPLAY = 256;
const keys = { stream: 'vigil:events', epoch: 'vigil:epoch' };
const logger = pino({ level: 'silent' });

let cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

function tick(i: number): string {
  const stat = { v: i, min: i, max: i, avg: i, n: 1, trend: 'stable', u: '' };
  return JSON.stringify(TickEvent.parse({ t: Date.now(), source: 'pub', values: { 'app.count': stat } }));
}

/** An agent's publisher on a connection of its own, which does not reconnect unless told. */
async function publisherOn(redis: RunningRedis): Promise<{ conn: Redis; pub: RedisPublisher }> {
  const conn = new Redis(redis.url, { enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  conn.on('error', () => {});
  await conn.connect();
  const pub = new RedisPublisher(conn, { keys, maxlen: REPLAY, logger });
  await pub.ensureEpoch();
  cleanup.push(() => conn.disconnect());
  return { conn, pub };
}

async function publishRange(pub: RedisPublisher, from: number, to: number): Promise<void> {
  for (let i = from; i <= to; i++) pub.publish('app', tick(i));
  await pub.drain(20_000);
}

/** An EventSource and a raw stream on `app`, each past its first snapshot. */
async function clients(url: string): Promise<{ es: SseRecorder; raw: RawStream }> {
  const es = new SseRecorder(url + '/api/stream?channels=app&history=0');
  cleanup.push(() => es.close());
  const raw = await openRaw(url + '/api/stream?channels=app&history=0');
  cleanup.push(() => raw.close());
  await es.waitFor((r) => r.events.length > 0, 10_000, 'the first snapshot (EventSource)');
  await raw.waitFor((t) => t.includes('event: snapshot'), 10_000, 'the first snapshot (raw stream)');
  return { es, raw };
}

async function sawValue(es: SseRecorder, raw: RawStream, v: number, what: string): Promise<void> {
  await es.waitFor((r) => continuity(r.events).last === v, 30_000, `${what} (EventSource)`);
  await raw.waitFor((t) => t.endsWith('\n\n') && continuity(rawFrames(t)).last === v, 30_000, `${what} (raw stream)`);
}

async function untilReady(url: string): Promise<void> {
  const end = Date.now() + 20_000;
  while ((await fetch(url + '/readyz')).status !== 200) {
    if (Date.now() > end) throw new Error('timed out waiting for /readyz to answer 200');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function expectNoSilentGap(es: SseRecorder, raw: RawStream, last: number): void {
  for (const [name, frames] of [
    ['EventSource', es.events],
    ['raw stream', rawFrames(raw.text)],
  ] as const) {
    const c = continuity(frames);
    expect(c.holes, `${name}: counter jumps without a reset snapshot`).toEqual([]);
    expect(c.last, `${name}: last value`).toBe(last);
  }
}

describe.skipIf(!redisBin.path)('a server on Redis that falls behind the stream cap', () => {
  it('sends a reset snapshot, never a silent gap, after its reader was paused (SIGSTOP) while the stream was trimmed', async () => {
    const redis = await startRedis();
    cleanup.push(() => redis.stop());
    const { pub } = await publisherOn(redis);
    const server: VigilProcess = await spawnVigil(['--role', 'server', '--redis-url', redis.url, '--replay', String(REPLAY)]);
    cleanup.push(() => server.kill());
    const { es, raw } = await clients(server.url);
    await publishRange(pub, 1, 10);
    await sawValue(es, raw, 10, 'the first events');

    server.proc.kill('SIGSTOP');
    const paused = Date.now();
    await publishRange(pub, 11, 6010);
    await new Promise((r) => setTimeout(r, Math.max(0, 5000 - (Date.now() - paused))));
    server.proc.kill('SIGCONT');
    await publishRange(pub, 6011, 6020);

    await sawValue(es, raw, 6020, 'the events after the pause');
    expectNoSilentGap(es, raw, 6020);
    // 6,000 events cannot all be replayed from a stream capped near 256: a reset it must be.
    expect(continuity(es.events).resets).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('sends a reset snapshot, never a silent gap, when an agent sends a buffer larger than the cap after Redis comes back with its data', async () => {
    const redis = await startRedis({ persist: true });
    cleanup.push(() => redis.stop());
    const { conn, pub } = await publisherOn(redis);
    const server: Running = await startVigil({ role: 'server', redisUrl: redis.url, replay: REPLAY });
    cleanup.push(() => server.stop());
    const { es, raw } = await clients(server.url);
    await publishRange(pub, 1, 10);
    await sawValue(es, raw, 10, 'the first events');

    const ended = new Promise((r) => conn.once('end', r));
    await redis.shutdown();
    await ended;
    for (let i = 11; i <= 3010; i++) pub.publish('app', tick(i));
    expect(pub.buffered).toBe(3000);
    await redis.restart();
    // The server is back on the stream (its last entry was kept) before the agent sends its buffer.
    await untilReady(server.url);
    await conn.connect();
    await publishRange(pub, 3011, 3020);

    await sawValue(es, raw, 3020, 'the events sent after the outage');
    expectNoSilentGap(es, raw, 3020);
    expect(continuity(es.events).resets).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
