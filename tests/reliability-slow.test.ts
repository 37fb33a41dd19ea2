import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody, Snapshot } from '../shared/schema.js';
import { parseId } from '../server/hub/event-id.js';
import { openRaw } from './helpers/raw-stream.js';
import { openStalled } from './helpers/stalled-client.js';
import { startVigil, type Running } from './helpers/server.js';
import { SseRecorder } from './helpers/sse.js';
import { bigTick } from './helpers/ticks.js';
import { until } from './helpers/until.js';
import { snapshotSeries } from './helpers/snapshot.js';


describe('a client that stops reading', () => {
  let srv: Running;
  // The default cap (1 MiB) against 64 KiB events: a reading client never holds
  // more than a few unsent, a stalled one passes the cap once the kernel's buffers are full.
  const cap = 1024 * 1024;
  beforeAll(async () => {
    // Only the process source, so the test's own events are the only app events.
    srv = await startVigil({ clientBuffer: cap, retry: 100 }, { sources: ({ process }) => [process] });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('is cut off past the buffer cap and counted, while a reading client gets every event in order', async () => {
    const stream = srv.vigil.stream;
    const reader = new SseRecorder(srv.url + '/api/stream?channels=app');
    const stalled = await openStalled(srv.url + '/api/stream?channels=app');
    try {
      await reader.waitFor((r) => r.of('snapshot').length === 1);
      await until(() => stream.clients === 2, 'both clients');
      const before = stream.slowDisconnects;
      const published: string[] = [];
      // Each event must reach the reading client before the next is published,
      // the stalled client notwithstanding, until the stalled one is cut.
      for (let i = 1; stream.slowDisconnects === before; i++) {
        expect(i).toBeLessThan(1000); // ~64 MB: far past any kernel buffer
        srv.vigil.hub.publish('app', bigTick(i, 64));
        published.push(srv.vigil.hub.lastId());
        await reader.waitFor((r) => r.events.at(-1)!.id === published.at(-1), 10_000, `event ${i}`);
      }
      expect(stream.slowDisconnects).toBe(before + 1);
      expect(stream.clients).toBe(1);
      for (let i = 0; i < 10; i++) {
        srv.vigil.hub.publish('app', bigTick(i, 64));
        published.push(srv.vigil.hub.lastId());
        await reader.waitFor((r) => r.events.at(-1)!.id === published.at(-1), 10_000, 'events after the cut');
      }
      expect(reader.events.slice(1).map((e) => e.id)).toEqual(published);
      expect(reader.opens).toBe(1);
      // The stalled client's connection was closed by the server, short of everything.
      await stalled.drain();
      expect(stalled.received()).toBeLessThan(published.length * 64 * 1024);
      // And the process channel says so.
      const slowDisconnects = async () => {
        const snap = Snapshot.parse(await (await fetch(srv.url + '/api/snapshot?channels=process')).json());
        return snap.groups[0]?.values['process.slow_disconnects']?.v ?? 0;
      };
      let reported = 0;
      const end = Date.now() + 10_000;
      while ((reported = await slowDisconnects()) < before + 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      expect(reported).toBe(before + 1);
    } finally {
      reader.close();
      stalled.socket.destroy();
    }
  });
});

describe('a client whose catch-up is bigger than the buffer cap', () => {
  const CAP = 64 * 1024;
  let srv: Running;
  beforeAll(async () => {
    srv = await startVigil({ clientBuffer: CAP, history: 100, retry: 100 }, { sources: () => [] });
    // 1000 series over the last 100 ticks (900 of them null in the newest ones): a snapshot of ~0.6 MB, 9× the cap.
    for (let i = 1; i <= 100; i++) srv.vigil.hub.publish('app', bigTick(i, 100));
    // Then 400 events each smaller than the cap, a replay of 4 MB.
    for (let i = 1; i <= 400; i++) srv.vigil.hub.publish('app', bigTick(i, 10));
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('gets its whole snapshot and stays connected: the cap judges the live backlog only', async () => {
    const c = new SseRecorder(srv.url + '/api/stream');
    try {
      await c.waitFor((r) => r.events.length >= 1 || r.errors > 0, 10_000, 'the snapshot');
      expect(c.errors).toBe(0);
      const snap = Snapshot.parse(JSON.parse(c.events[0].data));
      expect(snapshotSeries(snap).size).toBe(1000);
      expect(c.events[0].data.length).toBeGreaterThan(8 * CAP);
      srv.vigil.hub.publish('app', bigTick(1, 1));
      await c.waitFor((r) => r.events.length >= 2, 10_000, 'a live event');
      expect([c.opens, c.errors, srv.vigil.stream.slowDisconnects]).toEqual([1, 0, 0]);
    } finally {
      c.close();
    }
  });

  it('gets its whole replay and stays connected', async () => {
    const c = new SseRecorder(srv.url + '/api/stream', { 'Last-Event-ID': `${srv.vigil.hub.epoch}-100` });
    try {
      await c.waitFor((r) => r.events.length >= 400 || r.errors > 0, 10_000, 'the replay');
      expect(c.of('snapshot')).toEqual([]);
      expect(c.events.map((e) => parseId(e.id)!.seq)).toEqual(Array.from({ length: c.events.length }, (_, i) => i + 101));
      expect([c.opens, c.errors, srv.vigil.stream.slowDisconnects]).toEqual([1, 0, 0]);
    } finally {
      c.close();
    }
  });

  it('takes an in-band reset snapshot (the hub changed epoch) bigger than the cap without being cut', async () => {
    const c = new SseRecorder(srv.url + '/api/stream?channels=app', { 'Last-Event-ID': srv.vigil.hub.lastId() });
    try {
      await c.waitFor(() => srv.vigil.stream.clients === 1 && c.opens === 1, 10_000, 'a live client');
      srv.vigil.hub.publish('app', bigTick(1, 1));
      await c.waitFor((r) => r.events.length === 1, 10_000, 'a live event');
      srv.vigil.stream.resetAll();
      srv.vigil.hub.publish('app', bigTick(2, 1));
      await c.waitFor((r) => r.events.length === 3 || r.errors > 0, 10_000, 'the reset snapshot and a live event');
      expect(c.events.map((e) => e.type)).toEqual(['app', 'snapshot', 'app']);
      expect(c.events[1].data.length).toBeGreaterThan(8 * CAP);
      expect([c.opens, c.errors, srv.vigil.stream.slowDisconnects]).toEqual([1, 0, 0]);
    } finally {
      c.close();
    }
  });
});

describe('limits and keep-alive', () => {
  let srv: Running;
  beforeAll(async () => {
    srv = await startVigil({ maxClients: 2, heartbeat: 100, retry: 2000 }, { sources: () => [] });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('answers past the connection cap with a 503 in JSON and a Retry-After, and takes clients again once one leaves', async () => {
    const a = await openRaw(srv.url + '/api/stream?channels=app');
    const b = await openRaw(srv.url + '/api/stream?channels=app');
    try {
      const res = await fetch(srv.url + '/api/stream?channels=app');
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(ErrorBody.parse(await res.json()).error).toMatch(/too many clients/);
      a.close();
      await until(() => srv.vigil.stream.clients === 1, 'the first client to leave');
      const c = await openRaw(srv.url + '/api/stream?channels=app');
      expect(c.status).toBe(200);
      c.close();
    } finally {
      a.close();
      b.close();
    }
  });

  it('sends every idle stream a comment line on each heartbeat', async () => {
    await until(() => srv.vigil.stream.clients === 0, 'earlier clients to leave');
    const streams = [await openRaw(srv.url + '/api/stream?channels=app'), await openRaw(srv.url + '/api/stream?channels=app')];
    try {
      expect(streams.map((s) => s.status)).toEqual([200, 200]);
      for (const s of streams) await s.waitFor((t) => t.split(': keep-alive\n').length > 4, 5_000, 'four heartbeats');
    } finally {
      for (const s of streams) s.close();
    }
  });

  it('suggests a reconnect delay with jitter, so a restart is not a stampede', async () => {
    const retries: number[] = [];
    for (let i = 0; i < 8; i++) {
      await until(() => srv.vigil.stream.clients === 0, 'clients to leave');
      const s = await openRaw(srv.url + '/api/stream?channels=app');
      await s.waitFor((t) => /retry: ?\d+\n/.test(t));
      retries.push(Number(/retry: ?(\d+)\n/.exec(s.text)![1]));
      s.close();
    }
    for (const r of retries) expect(r).toBeGreaterThanOrEqual(1500), expect(r).toBeLessThanOrEqual(2500);
    expect(new Set(retries).size).toBeGreaterThan(1);
  });
});
