import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelsResponse, ErrorBody, expandSnapshot, groupTimes, Snapshot, StreamTick } from '../shared/schema.js';
import { parseId } from '../server/hub/event-id.js';
import { startVigil, type Running } from './helpers/server.js';
import { snapshotSeries } from './helpers/snapshot.js';
import { SseRecorder } from './helpers/sse.js';
import { smallTick } from './helpers/ticks.js';

let srv: Running;
const clients: SseRecorder[] = [];
const open = (path: string, headers?: Record<string, string>) => {
  const c = new SseRecorder(srv.url + path, headers);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  srv = await startVigil();
});
afterAll(async () => {
  for (const c of clients) c.close();
  await srv.stop();
});

describe('GET /api/stream', () => {
  it('sends a snapshot first, then host, process and http ticks that parse with the shared schemas', async () => {
    const c = open('/api/stream');
    await c.waitFor((r) => ['host', 'process', 'http'].every((t) => r.of(t).length >= 2), 10_000, 'two ticks per channel');
    expect(c.events[0].type).toBe('snapshot');
    const snap = Snapshot.parse(JSON.parse(c.events[0].data));
    expect(snap.reset).toBe(false);
    expect([...snapshotSeries(snap).values()].map((s) => s.name)).toEqual(expect.arrayContaining(['host.cpu.total', 'host.mem.percent', 'process.heap.used', 'http.requests']));
    expect(snap.groups.map((g) => g.channel).sort()).toEqual(['host', 'http', 'process']);
    for (const s of snapshotSeries(snap).values()) expect(s.t.length).toBeGreaterThan(0);
    for (const e of c.events.slice(1)) {
      // Check state changes (the built-in dashboard's) come as `status`; every other event is a tick.
      if (e.type === 'status') continue;
      const tick = StreamTick.parse(JSON.parse(e.data));
      expect(tick.source).toBe(srv.vigil.config.source);
      expect(Object.keys(tick.values).every((k) => k.startsWith(e.type + '.'))).toBe(true);
    }
    const host = c.ticks('host').at(-1)!;
    expect(host.values['host.cpu.total'].u).toBe('%');
    expect(host.values['host.cpu.total'].v).toBeGreaterThanOrEqual(0);
    expect(host.values['host.cpu.total'].v).toBeLessThanOrEqual(100);
    expect(Object.keys(host.values).some((k) => /^host\.load\.1$/.test(k))).toBe(true);
  });

  it('gives ids of one epoch that increase by event', async () => {
    const c = open('/api/stream');
    await c.waitFor((r) => r.events.length >= 8);
    const ids = c.events.map((e) => parseId(e.id)!);
    expect(new Set(ids.map((i) => i.epoch)).size).toBe(1);
    for (let i = 1; i < ids.length; i++) expect(ids[i].seq).toBeGreaterThan(ids[i - 1].seq);
  });

  it('filters by channel in the snapshot and the live events', async () => {
    const c = open('/api/stream?channels=http,process');
    await c.waitFor((r) => r.events.length >= 6);
    const snap = Snapshot.parse(JSON.parse(c.events[0].data));
    expect(new Set(snap.groups.map((g) => g.channel))).toEqual(new Set(['http', 'process']));
    expect(new Set(c.events.slice(1).map((e) => e.type))).toEqual(new Set(['http', 'process']));
  });

  it('sends the SSE headers at once, and the retry field in the snapshot\'s block', async () => {
    const ctl = new AbortController();
    const res = await fetch(srv.url + '/api/stream', { signal: ctl.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('cache-control')).toMatch(/no-cache/);
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    const reader = res.body!.getReader();
    let first = '';
    while (!first.includes('\n\n')) first += new TextDecoder().decode((await reader.read()).value);
    expect(first).toMatch(/^retry: ?\d+\nid: [^\n]+\nevent: snapshot\ndata: \{/);
    ctl.abort();
  });

  it.each([
    ['?channels=nope', /channels: bad channel "nope": expected one of host, process, http, app/],
    ['?channels=host,bogus', /bad channel "bogus"/],
    ['?sources=bad%20name', /sources: bad source "bad name"/],
    ['?channels=host&channels=http', /channels:/],
    ['?history=abc', /^history: expected a whole number of points per group, 0 or more \(e\.g\. history=60\), got "abc"$/],
    ['?history=-1', /^history: expected a whole number .*, got "-1"$/],
    ['?history=1.5', /^history: expected a whole number .*, got "1\.5"$/],
    ['?history=', /^history: expected a whole number .*, got ""$/],
    ['?history=1&history=2', /^history: expected a whole number .*, got a list$/],
  ])('answers %s with a 400 that names the problem', async (q, msg) => {
    for (const path of ['/api/stream', '/api/snapshot']) {
      const res = await fetch(srv.url + path + q);
      expect(res.status).toBe(400);
      expect(ErrorBody.parse(await res.json()).error).toMatch(msg);
    }
  });
});

describe('?history=', () => {
  const snapshot = async (base: string, q = '') => Snapshot.parse(await (await fetch(base + '/api/snapshot' + q)).json());
  const points = (snap: Snapshot) => snap.groups.map((g) => groupTimes(g).length);
  /** Waits until every group of `base` has at least `n` points. */
  const filled = (base: string, n: number) => expect.poll(async () => Math.min(...points(await snapshot(base))), { timeout: 10_000 }).toBeGreaterThanOrEqual(n);

  it('gives the newest N points per group, on the stream and as JSON', async () => {
    await filled(srv.url, 5);
    const json = await snapshot(srv.url, '?history=3');
    expect(points(json)).toEqual([3, 3, 3]);
    for (const g of expandSnapshot(json).groups) for (const h of Object.values(g.history)) expect(h).toHaveLength(3);
    const c = open('/api/stream?history=2');
    await c.waitFor((r) => r.events.length >= 1);
    expect(points(Snapshot.parse(JSON.parse(c.events[0].data)))).toEqual([2, 2, 2]);
  });

  it('gives no points for 0 but every metric with its window', async () => {
    const none = await snapshot(srv.url, '?history=0');
    const full = await snapshot(srv.url);
    const metrics = (s: Snapshot) => s.groups.map((g) => [g.channel, Object.keys(g.values).sort()]);
    expect(metrics(none)).toEqual(metrics(full));
    for (const g of none.groups) {
      expect(g.t0).toBeUndefined();
      expect(g.dt).toEqual([]);
      expect(Object.values(g.history).every((h) => Array.isArray(h) && h.length === 0)).toBe(true);
    }
  });

  it('clamps N above the server\'s history to all it keeps, in rings that do not grow', async () => {
    const small = await startVigil({ history: 4 });
    try {
      await filled(small.url, 4);
      expect(points(await snapshot(small.url, '?history=1000'))).toEqual([4, 4, 4]);
      const c = new SseRecorder(small.url + '/api/stream?history=99999999999999999999');
      clients.push(c);
      await c.waitFor((r) => r.events.length >= 1);
      expect(points(Snapshot.parse(JSON.parse(c.events[0].data)))).toEqual([4, 4, 4]);
      // One ring of times per group and one of values per series, 4 points of 8 bytes each.
      const p = small.vigil.projection;
      expect(p.historyBytes).toBe((3 + p.size) * 4 * 8);
    } finally {
      await small.stop();
    }
  });

  it('sends null exactly at the ticks that did not carry a metric', async () => {
    const quiet = await startVigil({}, { sources: () => [] });
    try {
      const t = Date.now();
      const tick = (i: number, withB: boolean) => {
        const base = smallTick(i, t + i);
        return { ...base, values: { ...base.values, ...(withB ? { 'app.b': { ...base.values['app.n'], v: 10 * i } } : {}) } };
      };
      [tick(1, true), tick(2, false), tick(3, false), tick(4, true), tick(5, false)].forEach((e) => quiet.vigil.hub.publish('app', e));
      const c = new SseRecorder(quiet.url + '/api/stream?history=4');
      clients.push(c);
      await c.waitFor((r) => r.events.length >= 1);
      const [g] = Snapshot.parse(JSON.parse(c.events[0].data)).groups;
      expect(groupTimes(g)).toEqual([t + 2, t + 3, t + 4, t + 5]);
      expect(g.history).toEqual({ 'app.n': [2, 3, 4, 5], 'app.b': [null, null, 40, null] });
      expect(g.values['app.b'].v).toBe(40);
      expect(c.events[0].data).toContain('"app.b":[null,null,40,null]');
    } finally {
      await quiet.stop();
    }
  });
});

describe('compact ticks (?compact=1, the page\'s)', () => {
  /** Each tick's stats folded, by event id, leaving out `n` (a snapshot's only). */
  const folded = (c: SseRecorder, type: string) => new Map(c.ticks(type).map((t, i) => [c.events.filter((e) => e.type === type)[i].id, JSON.stringify(t, (k, v) => (k === 'n' ? undefined : v))]));

  it('say the same as keyed ticks, event for event, in fewer bytes; the keyed form stays the default', async () => {
    const keyed = open('/api/stream');
    const compact = open('/api/stream?compact=1');
    await compact.waitFor((r) => r.of('host').length >= 4 && r.of('process').length >= 4, 15_000, 'four host and process ticks');
    await keyed.waitFor((r) => r.of('host').length >= 6, 15_000, 'six host ticks');
    for (const type of ['host', 'process', 'http']) {
      const a = folded(keyed, type);
      const b = folded(compact, type);
      let common = 0;
      for (const [id, t] of b) if (a.has(id)) (common++, expect(t).toBe(a.get(id)));
      expect(common).toBeGreaterThanOrEqual(3);
    }
    const host = (r: SseRecorder) => r.events.filter((e) => e.type === 'host').slice(1, 4);
    expect(host(keyed).every((e) => !Array.isArray(JSON.parse(e.data).values))).toBe(true);
    expect(host(compact).every((e) => Array.isArray(JSON.parse(e.data).values) && !('keys' in JSON.parse(e.data)))).toBe(true);
    const bytes = (r: SseRecorder) => host(r).reduce((n, e) => n + e.data.length, 0);
    expect(bytes(compact)).toBeLessThan(bytes(keyed) * 0.7);
  });

  it('resumes by Last-Event-ID with the layouts the client already holds', async () => {
    const a = open('/api/stream?compact=1');
    await a.waitFor((r) => r.of('host').length >= 2);
    a.close();
    await new Promise((r) => setTimeout(r, 1200));
    const b = open('/api/stream?compact=1', { 'Last-Event-ID': a.events.at(-1)!.id });
    await b.waitFor((r) => r.of('host').length >= 2);
    expect(b.events.some((e) => e.type === 'snapshot')).toBe(false);
    // The replayed ticks decode against what `a` received: one recording, no snapshot between.
    const both = new SseRecorder(srv.url + '/api/stream?channels=status');
    both.close();
    both.events.push(...a.events, ...b.events);
    expect(both.ticks('host').length).toBe(a.of('host').length + b.of('host').length);
  });

  it('answers a bad compact value with a 400 naming it', async () => {
    const r = await fetch(`${srv.url}/api/stream?compact=yes`);
    expect(r.status).toBe(400);
    expect((await r.json()).error).toMatch(/compact.*1, true, 0 or false.*"yes"/);
  });
});

describe('Last-Event-ID', () => {
  it('replays exactly the missed events, in order, to a client that comes back', async () => {
    const a = open('/api/stream');
    await a.waitFor((r) => r.events.length >= 5);
    a.close();
    const lastSeen = a.events.at(-1)!.id;
    await new Promise((r) => setTimeout(r, 450));
    const b = open('/api/stream', { 'Last-Event-ID': lastSeen });
    await b.waitFor((r) => r.events.length >= 6);
    expect(b.events.some((e) => e.type === 'snapshot')).toBe(false);
    const seqs = b.events.map((e) => parseId(e.id)!.seq);
    expect(seqs[0]).toBe(parseId(lastSeen)!.seq + 1);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1] + 1);
  });

  it('accepts ?lastEventId= for curl and replays only the asked channels', async () => {
    const a = open('/api/stream?channels=host');
    await a.waitFor((r) => r.of('host').length >= 2);
    a.close();
    await new Promise((r) => setTimeout(r, 350));
    const b = open(`/api/stream?channels=host&lastEventId=${encodeURIComponent(a.events.at(-1)!.id)}`);
    await b.waitFor((r) => r.events.length >= 3);
    expect(b.events.every((e) => e.type === 'host')).toBe(true);
  });

  it.each(['', 'garbage', 'x'.repeat(5000), 'abc-99999999999', '0-0-0', '%00'])('answers a bad or unknown id %j with a reset snapshot', async (bad) => {
    const b = open('/api/stream?lastEventId=' + encodeURIComponent(bad));
    await b.waitFor((r) => r.events.length >= 1);
    const snap = Snapshot.parse(JSON.parse(b.events[0].data));
    expect(b.events[0].type).toBe('snapshot');
    expect(snap.reset).toBe(bad !== '');
  });
});

describe('other routes', () => {
  it('serves the catalogue, the snapshot as JSON and health', async () => {
    const ch = ChannelsResponse.parse(await (await fetch(srv.url + '/api/channels')).json());
    expect(ch.channels.map((c) => c.name).sort()).toEqual(['host', 'http', 'process']);
    expect(ch.host?.source).toBe(srv.vigil.config.source);
    expect(ch.host?.cores).toBeGreaterThan(0);
    const snap = Snapshot.parse(await (await fetch(srv.url + '/api/snapshot?channels=host')).json());
    expect(snap.groups.map((g) => g.channel)).toEqual(['host']);
    expect((await fetch(srv.url + '/healthz')).status).toBe(200);
    expect((await fetch(srv.url + '/readyz')).status).toBe(200);
    const missing = await fetch(srv.url + '/api/nothing');
    expect(missing.status).toBe(404);
    expect(ErrorBody.parse(await missing.json()).error).toBe('not found');
  });

  it('counts its own requests on the http channel, but not the streams', async () => {
    // A stream that lived 1.5 s must not show up as a 1.5 s request.
    const long = open('/api/stream?channels=host');
    await new Promise((r) => setTimeout(r, 1500));
    long.close();
    for (let i = 0; i < 5; i++) await fetch(srv.url + '/healthz');
    const c = open('/api/stream?channels=http');
    await c.waitFor((r) => r.ticks('http').some((t) => t.values['http.requests'].max > 0));
    const last = c.ticks('http').at(-1)!;
    expect(c.ticks('http').every((t) => t.values['http.latency.p99'].max < 1000)).toBe(true);
  });
});
