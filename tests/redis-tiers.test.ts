import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExpandedGroup, expandGroup, Snapshot } from '../shared/schema.js';
import { counterSource } from './helpers/counter.js';
import { redisBin, startRedis, type RunningRedis } from './helpers/redis.js';
import { startVigil, type Running } from './helpers/server.js';

let redis: RunningRedis;
const running: Running[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function start(role: 'agent' | 'server', source: string): Promise<Running> {
  // A short stream (REPLAY 16, trimmed at ~100 entries): a server started later cannot
  // rebuild the tier from the stream alone, only from the tier keys.
  const v = await startVigil({ role, redisUrl: redis.url, source, replay: 16, persistInterval: 300 }, role === 'agent' ? { sources: () => [counterSource()] } : {});
  running.push(v);
  return v;
}

async function hourOf(v: Running): Promise<ExpandedGroup | undefined> {
  const snap = Snapshot.parse(await (await fetch(`${v.url}/api/snapshot?span=1h&channels=app`)).json());
  const g = snap.groups.find((g) => g.source === 'agent-t');
  return g && expandGroup(g);
}

describe.skipIf(!redisBin.path)('tiers on Redis', () => {
  beforeAll(async () => {
    redis = await startRedis();
  }, 90_000);
  afterAll(async () => {
    for (const v of running) await v.stop();
    await redis?.stop();
  }, 90_000);

  it('two servers give the same 1h tier, one started long after the stream forgot the first ticks, and a restarted server keeps it', async () => {
    const first = await start('server', 'server-1');
    const agent = await start('agent', 'agent-t');
    // 100 ms ticks: ~80 app ticks, more than the ~100 entries the stream keeps of three channels.
    await sleep(8000);
    const second = await start('server', 'server-2');
    await sleep(1000);
    await agent.stop();
    await sleep(500);
    const a = await hourOf(first);
    const b = await hourOf(second);
    expect(a).toBeDefined();
    expect(a!.values['app.count'].n).toBeGreaterThan(70);
    // The counter counts 1, 2, 3…: the first ticks are in the tier of both.
    expect(a!.lo!['app.count'][0]).toBe(1);
    expect(b).toEqual(a);

    await second.stop();
    const third = await start('server', 'server-3');
    await sleep(300);
    expect(await hourOf(third)).toEqual(a);
    const ring = third.vigil.projection.tiers!.group('app', 'agent-t')!.ring('1h')!;
    const mine = first.vigil.projection.tiers!.group('app', 'agent-t')!.ring('1h')!;
    expect(ring.newest).toBe(mine.newest);
    expect([...ring.series.get('app.count')!.count]).toEqual([...mine.series.get('app.count')!.count]);
    expect([...ring.series.get('app.count')!.max]).toEqual([...mine.series.get('app.count')!.max]);
  }, 90_000);

  it('a restarted agent continues its tiers in Redis; after Redis restarts empty they fill again from then on', async () => {
    await redis.stop();
    redis = await startRedis();
    const agent = await start('agent', 'agent-t');
    await sleep(1500);
    await agent.stop();
    const again = await start('agent', 'agent-t');
    await sleep(1500);
    await again.stop();
    // A server started now reads both runs of the agent from the tier keys: the counter
    // started over at 1 with each run, and the ticks of both are counted.
    const server = await start('server', 'server-4');
    const ring = () => server.vigil.projection.tiers!.group('app', 'agent-t')?.ring('1h');
    const count = (r = ring()) => (r ? [...r.series.get('app.count')!.count].reduce((x, y) => x + y, 0) : 0);
    expect(count()).toBeGreaterThan(20);
    // Not folded twice (the stream still holds the same ticks the keys do).
    expect(count()).toBeLessThan(45);
    const twoRuns = count();
    expect(Math.min(...[...ring()!.series.get('app.count')!.min].filter((_, i) => ring()!.series.get('app.count')!.count[i] > 0))).toBe(1);

    await redis.kill();
    await redis.restart();
    const third = await start('agent', 'agent-t');
    await sleep(1500);
    await third.stop();
    const fresh = await start('server', 'server-5');
    const r = fresh.vigil.projection.tiers!.group('app', 'agent-t')?.ring('1h');
    expect(count(r)).toBeGreaterThan(5);
    expect(count(r)).toBeLessThan(twoRuns);
  }, 90_000);
});
