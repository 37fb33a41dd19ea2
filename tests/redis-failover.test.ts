import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelsResponse, Snapshot, TickEvent } from '../shared/schema.js';
import { counterSource } from './helpers/counter.js';
import { redisBin, startRedis, type RunningRedis } from './helpers/redis.js';
import { startVigil, type Running } from './helpers/server.js';
import { SseRecorder } from './helpers/sse.js';

let redis: RunningRedis;
let agent: Running;
let a: Running;
let b: Running;
const clients: SseRecorder[] = [];
const open = (url: string, headers?: Record<string, string>) => {
  const c = new SseRecorder(url, headers);
  clients.push(c);
  return c;
};
const live = (c: SseRecorder) => c.events.filter((e) => e.type !== 'snapshot');

describe.skipIf(!redisBin.path)('Vigil on Redis: agents publish, any server instance serves any client', () => {
  beforeAll(async () => {
    redis = await startRedis();
    const redisUrl = redis.url;
    agent = await startVigil({ role: 'agent', redisUrl, source: 'agent-a' }, { sources: () => [counterSource()] });
    a = await startVigil({ role: 'server', redisUrl, source: 'server-a' });
    b = await startVigil({ role: 'server', redisUrl, source: 'server-b' });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    for (const r of [agent, a, b]) await r?.stop();
    await redis?.stop();
  });

  it('lets a client move from one instance to another with its Last-Event-ID, losing and repeating nothing', async () => {
    const stay = open(b.url + '/api/stream');
    const first = open(a.url + '/api/stream');
    await first.waitFor((r) => live(r).length >= 8, 10_000, 'events on A');
    await a.stop();
    first.close();
    const lastOnA = first.events.at(-1)!.id;
    await stay.waitFor((r) => r.events.findIndex((e) => e.id === lastOnA) < r.events.length - 5, 10_000, 'more events on B');

    const moved = open(b.url + '/api/stream', { 'Last-Event-ID': lastOnA });
    const target = stay.events.at(-1)!.id;
    await moved.waitFor((r) => r.events.some((e) => e.id === target), 10_000, 'the moved client to catch up');
    expect(moved.events.some((e) => e.type === 'snapshot')).toBe(false);

    const movedUpTo = moved.events.slice(0, moved.events.findIndex((e) => e.id === target) + 1);
    const got = [...live(first), ...movedUpTo];
    const ids = got.map((e) => e.id);
    // The whole sequence, from Redis itself: every event entry from the first seen to the target.
    const epoch = ids[0].split('-')[0];
    const r = new Redis(redis.url);
    try {
      const entries = await r.xrange('vigil:events', ids[0].slice(epoch.length + 1), target.slice(epoch.length + 1));
      expect(ids).toEqual(entries.filter(([, f]) => f.includes('c')).map(([id]) => `${epoch}-${id}`));
    } finally {
      r.disconnect();
    }
    // And the same as a client that stayed on B saw.
    const fromStay = stay.events.map((e) => e.id);
    expect(ids).toEqual(fromStay.slice(fromStay.indexOf(ids[0]), fromStay.indexOf(target) + 1));
    const values = got.map((e) => TickEvent.parse(JSON.parse(e.data)).values['app.count'].v);
    expect(values).toEqual(values.map((_, i) => values[0] + i));
  });
});
