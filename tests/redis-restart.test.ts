import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Snapshot } from '../shared/schema.js';
import { tickV } from './helpers/ticks.js';
import { parseId } from '../server/hub/event-id.js';
import type { RedisHub } from '../server/hub/redis/redis-hub.js';
import { counterSource } from './helpers/counter.js';
import { redisBin, startRedis, type RunningRedis } from './helpers/redis.js';
import { startVigil, type Running } from './helpers/server.js';
import { SseRecorder } from './helpers/sse.js';
import { snapshotSeries } from './helpers/snapshot.js';

let redis: RunningRedis;
let agent: Running;
let server: Running;
const clients: SseRecorder[] = [];
const aborts: AbortController[] = [];

async function until(pred: () => boolean | Promise<boolean>, what: string, timeout = 15_000): Promise<void> {
  const end = Date.now() + timeout;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Counts the keep-alive comments of a raw stream (EventSource hides comments). */
function countKeepAlives(url: string): { readonly count: number } {
  const ctl = new AbortController();
  aborts.push(ctl);
  const state = { count: 0 };
  void fetch(url, { signal: ctl.signal })
    .then(async (res) => {
      const dec = new TextDecoder();
      const reader = res.body!.getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) state.count += dec.decode(r.value).split(': keep-alive').length - 1;
    })
    .catch(() => {});
  return state;
}

describe.skipIf(!redisBin.path)('Vigil when Redis goes away and comes back empty', () => {
  beforeAll(async () => {
    redis = await startRedis();
    agent = await startVigil({ role: 'agent', redisUrl: redis.url, source: 'agent-r' }, { sources: () => [counterSource()] });
    server = await startVigil({ role: 'server', redisUrl: redis.url, source: 'server-r', heartbeat: 200 });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    for (const a of aborts) a.abort();
    for (const r of [agent, server]) await r?.stop();
    await redis?.stop();
  });

  it('keeps clients connected with heartbeats, is not ready meanwhile, then resets them in-band and loses no tick', async () => {
    const c = new SseRecorder(server.url + '/api/stream?channels=app');
    clients.push(c);
    await c.waitFor((r) => r.of('app').length >= 5, 10_000, 'ticks before the outage');
    const oldEpoch = parseId(c.events.at(-1)!.id)!.epoch;
    const beats = countKeepAlives(server.url + '/api/stream?channels=app');

    await redis.kill();
    await until(async () => (await fetch(server.url + '/readyz')).status === 503, 'readyz to say not ready');
    await until(() => (agent.vigil.hub as RedisHub).buffered >= 5, 'the agent to buffer its publishes');
    const during = beats.count;
    await until(() => beats.count >= during + 2, 'heartbeats during the outage');

    // A client that comes back while Redis is away is answered from what the server read: no snapshot yet.
    const back = new SseRecorder(server.url + '/api/stream?channels=app', { 'Last-Event-ID': c.events.at(-1)!.id });
    clients.push(back);
    await back.waitFor((r) => r.opens === 1, 10_000, 'the returning client to connect');

    await redis.restart();
    await c.waitFor((r) => r.events.some((e) => e.type === 'snapshot' && Snapshot.parse(JSON.parse(e.data)).reset), 20_000, 'a reset snapshot');
    const at = c.events.findIndex((e, i) => i > 0 && e.type === 'snapshot');
    await c.waitFor((r) => r.events.length > at + 5, 10_000, 'ticks after the reset');
    await until(async () => (await fetch(server.url + '/readyz')).status === 200, 'readyz to say ready again');

    await back.waitFor((r) => r.events.length >= 1, 10_000, 'the returning client to get the reset');
    back.close();
    const first = Snapshot.parse(JSON.parse(back.events[0].data));
    expect(back.events[0].type).toBe('snapshot');
    expect([first.reset, first.epoch === oldEpoch]).toEqual([true, false]);

    // The same connection throughout: the reset came in-band.
    expect(c.opens).toBe(1);
    expect(c.errors).toBe(0);
    const snap = Snapshot.parse(JSON.parse(c.events[at].data));
    expect(snap.epoch).not.toBe(oldEpoch);
    expect(c.events.slice(at).every((e) => parseId(e.id)!.epoch === snap.epoch)).toBe(true);

    // Every tick is somewhere: live before the outage, in the reset snapshot, or live after it.
    const tickValues = (from: number, to?: number) => c.events.slice(from, to).filter((e) => e.type === 'app').map((e) => tickV(e.data, 'app.count')!);
    const seen = new Set([...tickValues(1, at), ...(snapshotSeries(snap).get('app.count@agent-r')?.v ?? []), ...tickValues(at + 1)]);
    const sorted = [...seen].sort((x, y) => x - y);
    expect(sorted[0]).toBe(tickValues(1, at)[0]);
    expect(sorted).toEqual(sorted.map((_, i) => sorted[0] + i));
    // And those published while Redis was away were delivered after it came back.
    expect(Math.max(...sorted)).toBeGreaterThan(Math.max(...tickValues(1, at)) + 5);
  });
});
