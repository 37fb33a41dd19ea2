import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubEvent } from '../server/hub/hub.js';
import { RedisHub } from '../server/hub/redis/redis-hub.js';
import { redisBin, startRedis, type RunningRedis } from './helpers/redis.js';

/*
 * REPLAY_BYTES with Redis: what an instance keeps of the events it read (its
 * frame cache, for replays) stays within the budget, evicted from the oldest,
 * without the ticks' values; the stream itself is tested in redis-publisher.
 */
let redis: RunningRedis;

describe.skipIf(!redisBin.path)('a Redis hub within REPLAY_BYTES', () => {
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('caches at most maxBytes of frames, the newest, in order and without values', async () => {
    const hub = new RedisHub({ url: redis.url, logger: pino({ level: 'silent' }), maxlen: 4096, maxBytes: 60_000, block: 200 });
    const seen: HubEvent[] = [];
    hub.subscribe((e) => seen.push(e));
    await hub.start();
    try {
      const stat = (v: number) => ({ v, min: v, max: v, avg: v, n: 1, trend: 'stable' as const, u: '' });
      const values = (i: number) => Object.fromEntries(Array.from({ length: 50 }, (_, k) => [`big.metric_${k}.${'p'.repeat(40)}`, stat(i)]));
      // One at a time, as a source ticks (a burst past maxBytes while one is in flight would overflow the publisher).
      for (let i = 1; i <= 40; i++) {
        hub.publish('app', { t: Date.now() + i, source: 'big', values: values(i) });
        const end = Date.now() + 5000;
        while (seen.filter((e) => e.channel === 'app').length < i && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
      }
      const ticks = seen.filter((e) => e.channel === 'app');
      expect(ticks).toHaveLength(40);
      // Live listeners get the values; the cache keeps frames only.
      expect(ticks.every((e) => e.channel === 'app' && Object.keys(e.tick.values).length === 50)).toBe(true);
      const cache = (hub as unknown as { reader: { cache: Map<string, HubEvent> } }).reader.cache;
      const cached = [...cache.values()];
      const bytes = cached.reduce((n, e) => n + e.frame.length, 0);
      const per = ticks[0].frame.length;
      expect(bytes).toBeLessThanOrEqual(60_000);
      expect(cached.length).toBe(Math.floor(60_000 / per)); // as many as fit (of ~5.7 KB)
      expect(cached.map((e) => e.id)).toEqual(ticks.slice(-cached.length).map((e) => e.id));
      expect(cached.every((e) => e.channel === 'app' && Object.keys(e.tick.values).length === 0)).toBe(true);
    } finally {
      await hub.stop();
    }
  });
});
