import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisPublisher } from '../server/hub/redis/publisher.js';
import { redisBin, startRedis, type RunningRedis } from './helpers/redis.js';

let redis: RunningRedis;
const keys = { stream: 'vigil:events', epoch: 'vigil:epoch' };
const logger = pino({ level: 'silent' });

async function entries(): Promise<Array<Record<string, string>>> {
  const r = new Redis(redis.url);
  try {
    return (await r.xrange(keys.stream, '-', '+')).map(([, f]) => Object.fromEntries(f.flatMap((x, i) => (i % 2 ? [] : [[x, f[i + 1]]]))));
  } finally {
    r.disconnect();
  }
}

describe.skipIf(!redisBin.path)('RedisPublisher', () => {
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('starts an epoch with a marker, then appends events in order in that epoch', async () => {
    const conn = new Redis(redis.url, { enableOfflineQueue: false, lazyConnect: true });
    await conn.connect();
    try {
      const p = new RedisPublisher(conn, { keys, maxlen: 1000, logger });
      const epoch = await p.ensureEpoch();
      expect(await p.ensureEpoch()).toBe(epoch);
      for (let i = 1; i <= 3; i++) p.publish('app', `{"i":${i}}`);
      await p.drain();
      expect(await entries()).toEqual([{ e: epoch }, ...[1, 2, 3].map((i) => ({ e: epoch, c: 'app', d: `{"i":${i}}` }))]);
    } finally {
      conn.disconnect();
    }
  });

  it('holds publishes while disconnected, and past its buffer keeps the newest and starts a new epoch', async () => {
    const conn = new Redis(redis.url, { enableOfflineQueue: false, lazyConnect: true });
    await conn.connect();
    try {
      const p = new RedisPublisher(conn, { keys, maxlen: 1000, bufferMax: 5, logger });
      const before = await p.ensureEpoch();
      const count = (await entries()).length;
      const ended = new Promise((r) => conn.once('end', r));
      conn.disconnect();
      await ended;
      for (let i = 1; i <= 8; i++) p.publish('app', `{"n":${i}}`);
      expect(p.buffered).toBe(5);
      expect(p.dropped).toBe(3);
      await conn.connect();
      p.flush();
      await p.drain();
      const after = (await entries()).slice(count);
      const epoch = after[0].e;
      expect(epoch).not.toBe(before);
      expect(after).toEqual([{ e: epoch }, ...[4, 5, 6, 7, 8].map((n) => ({ e: epoch, c: 'app', d: `{"n":${n}}` }))]);
    } finally {
      conn.disconnect();
    }
  });

  it('starts a new epoch when the stream has vanished', async () => {
    const conn = new Redis(redis.url);
    try {
      const p = new RedisPublisher(conn, { keys, maxlen: 1000, logger });
      const before = await p.ensureEpoch();
      await conn.del(keys.stream);
      expect(await p.ensureEpoch()).not.toBe(before);
    } finally {
      conn.disconnect();
    }
  });

  it('keeps the stream near REPLAY_BYTES: MAXLEN follows the size of the entries', async () => {
    const conn = new Redis(redis.url);
    try {
      await conn.del(keys.stream, keys.epoch);
      const p = new RedisPublisher(conn, { keys, maxlen: 100_000, maxBytes: 200_000, logger });
      await p.ensureEpoch();
      const big = `{"x":"${'y'.repeat(10_000)}"}`;
      for (let i = 0; i < 600; i++) p.publish('app', big);
      await p.drain(10_000);
      expect(p.maxlen).toBe(Math.floor(200_000 / big.length)); // 19
      // XADD MAXLEN ~ trims whole nodes of the stream (stream-node-max-entries, 100): 19 plus at most a node.
      const len = await conn.xlen(keys.stream);
      expect(len).toBeLessThanOrEqual(19 + 100);
      expect(len).toBeGreaterThanOrEqual(19);
      // Small entries again: the cap climbs back towards maxlen as their size is learnt.
      for (let i = 0; i < 2000; i++) p.publish('app', '{"n":1}');
      await p.drain(10_000);
      expect(p.maxlen).toBeGreaterThan(10_000);
    } finally {
      conn.disconnect();
    }
  });

  it('holds at most maxBytes of publishes while disconnected, keeping the newest', async () => {
    const conn = new Redis(redis.url, { enableOfflineQueue: false, lazyConnect: true });
    await conn.connect();
    try {
      const p = new RedisPublisher(conn, { keys, maxlen: 1000, maxBytes: 50_000, bufferMax: 10_000, logger });
      await p.ensureEpoch();
      const ended = new Promise((r) => conn.once('end', r));
      conn.disconnect();
      await ended;
      for (let i = 1; i <= 20; i++) p.publish('app', `{"n":${i},"pad":"${'z'.repeat(10_000)}"}`);
      expect(p.buffered).toBe(4); // 4 entries of ~10 KB fit in 50 KB, 5 do not
      expect(p.dropped).toBe(16);
      await conn.connect();
      p.flush();
      await p.drain();
      const ns = (await entries()).filter((e) => e.d).map((e) => JSON.parse(e.d).n);
      expect(ns.slice(-4)).toEqual([17, 18, 19, 20]);
    } finally {
      conn.disconnect();
    }
  });
});
