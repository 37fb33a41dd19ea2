import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelsResponse, Snapshot, StreamTick } from '../shared/schema.js';
import { tickV } from './helpers/ticks.js';
import { counterSource } from './helpers/counter.js';
import { redisBin, startRedis, type RunningRedis } from './helpers/redis.js';
import { startVigil, type Running } from './helpers/server.js';
import { SseRecorder } from './helpers/sse.js';
import { snapshotSeries } from './helpers/snapshot.js';

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
    await stay.waitFor((r) => {
      const i = r.events.findIndex((e) => e.id === lastOnA);
      return i >= 0 && i < r.events.length - 5;
    }, 10_000, 'five more events on B');

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
    // Ticks only: when A stops, B takes over announcing check states, with a full `status` event.
    const values = got.filter((e) => e.type === 'app').map((e) => tickV(e.data, 'app.count')!);
    expect(values).toEqual(values.map((_, i) => values[0] + i));
  });

  it('shows two agents with different sources in one stream, and lists both in /api/channels', async () => {
    const second = await startVigil({ role: 'agent', redisUrl: redis.url, source: 'agent-b' }, { sources: () => [counterSource()] });
    try {
      const c = open(b.url + '/api/stream?channels=app');
      const sources = () => new Set(c.of('app').map((e) => StreamTick.parse(JSON.parse(e.data)).source));
      await c.waitFor(() => sources().has('agent-a') && sources().has('agent-b'), 10_000, 'ticks of both agents');
      const ch = ChannelsResponse.parse(await (await fetch(b.url + '/api/channels')).json());
      expect(ch.channels.find((x) => x.name === 'app')?.sources).toEqual(['agent-a', 'agent-b']);
      const only = open(b.url + '/api/stream?channels=app&sources=agent-b');
      await only.waitFor((r) => r.of('app').length >= 3, 10_000, 'agent-b ticks');
      expect(only.of('app').every((e) => StreamTick.parse(JSON.parse(e.data)).source === 'agent-b')).toBe(true);
    } finally {
      await second.stop();
    }
  });

  it('warms a server started after the events from the stream, so its first snapshot has history', async () => {
    const late = await startVigil({ role: 'server', redisUrl: redis.url, source: 'server-c' });
    try {
      const c = open(late.url + '/api/stream?channels=app&sources=agent-a');
      await c.waitFor((r) => r.events.length >= 1);
      const snap = Snapshot.parse(JSON.parse(c.events[0].data));
      expect(snap.reset).toBe(false);
      const count = snapshotSeries(snap).get('app.count@agent-a')!;
      expect(count.v.length).toBeGreaterThan(10);
      // The snapshot's id is where the live events continue, with no gap.
      await c.waitFor((r) => r.events.length >= 3);
      const v = c.events.map((e, i) => (i === 0 ? count.v.at(-1)! : tickV(e.data, 'app.count')!));
      expect(v).toEqual(v.map((_, i) => v[0] + i));
      expect((await fetch(late.url + '/readyz')).status).toBe(200);
    } finally {
      await late.stop();
    }
  });

  it('serves an agent only health and readiness', async () => {
    expect((await fetch(agent.url + '/healthz')).status).toBe(200);
    expect((await fetch(agent.url + '/readyz')).status).toBe(200);
    expect((await fetch(agent.url + '/api/stream')).status).toBe(404);
  });
});
