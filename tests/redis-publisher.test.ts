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
});
