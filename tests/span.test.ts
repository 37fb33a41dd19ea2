import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody, expandGroup, groupTimes, Snapshot } from '../shared/schema.js';
import { startVigil, type Running } from './helpers/server.js';
import { SseRecorder } from './helpers/sse.js';

let srv: Running;
beforeAll(async () => {
  srv = await startVigil();
});
afterAll(() => srv.stop());

describe('?span= and ?points=', () => {
  it('api/snapshot?span=1h gives 10 s points with lo and hi per metric', async () => {
    await new Promise((r) => setTimeout(r, 400));
    const snap = Snapshot.parse(await (await fetch(`${srv.url}/api/snapshot?span=1h&channels=host`)).json());
    expect(snap.span).toBe('1h');
    const g = expandGroup(snap.groups[0]);
    expect(g.step).toBe(10_000);
    const times = groupTimes(g);
    expect(times.length).toBeGreaterThan(0);
    expect(times.every((t) => t % 10_000 === 0)).toBe(true);
    for (const name in g.values) {
      expect(g.lo![name]).toHaveLength(times.length);
      expect(g.hi![name]).toHaveLength(times.length);
    }
  });

  it('api/stream?span=24h&points=30 opens with a 24h snapshot of at most 30 points per group', async () => {
    const c = new SseRecorder(`${srv.url}/api/stream?span=24h&points=30`);
    try {
      await c.waitFor((r) => r.of('snapshot').length >= 1 && r.of('host').length >= 1, 10_000, 'snapshot then a tick');
      const snap = Snapshot.parse(JSON.parse(c.of('snapshot')[0].data));
      expect(snap.span).toBe('24h');
      for (const g of snap.groups) {
        expect(g.step).toBe(50 * 60_000);
        expect(groupTimes(g).length).toBeLessThanOrEqual(30);
      }
    } finally {
      c.close();
    }
  });

  it.each([
    ['span=2h', 'span'],
    ['span=__proto__', 'span'],
    ['span=1h&span=24h', 'span'],
    ['points=0', 'points'],
    ['points=-3', 'points'],
    ['points=1e3', 'points'],
  ])('answers %s with a 400 naming the field', async (q, field) => {
    for (const path of ['api/snapshot', 'api/stream']) {
      const res = await fetch(`${srv.url}/${path}?${q}`);
      expect(res.status).toBe(400);
      expect(ErrorBody.parse(await res.json()).error).toContain(field);
    }
  });
});
