import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Snapshot } from '../shared/schema.js';
import { parseId } from '../server/hub/event-id.js';
import { startVigil, type Running } from './helpers/server.js';
import { SseRecorder, type Received } from './helpers/sse.js';
import { smallTick } from './helpers/ticks.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

const seqOf = (e: Received) => parseId(e.id)!.seq;
const epochOf = (e: Received) => parseId(e.id)!.epoch;

/** Every id is the one after the previous: nothing lost, nothing repeated, nothing reordered. */
function expectConsecutive(events: Received[]): void {
  const seqs = events.map(seqOf);
  const breaks = seqs.flatMap((s, i) => (i > 0 && s !== seqs[i - 1] + 1 ? [`${seqs[i - 1]}→${s}`] : []));
  expect(breaks).toEqual([]);
}

describe('a client whose connection drops mid-stream', () => {
  let srv: Running;
  let proxy: TcpProxy;
  const clients: SseRecorder[] = [];
  const open = (url: string, headers?: Record<string, string>) => {
    const c = new SseRecorder(url, headers);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    srv = await startVigil({ retry: 100 });
    const u = new URL(srv.url);
    proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port) });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await proxy?.stop();
    await srv?.stop();
  });

  it('comes back with its Last-Event-ID and misses and repeats no event, drop after drop', async () => {
    const c = open(proxy.url + '/api/stream');
    await c.waitFor((r) => r.events.length >= 6, 10_000, 'first events');
    for (let drop = 1; drop <= 3; drop++) {
      const before = c.events.length;
      proxy.dropAll();
      await c.waitFor((r) => r.opens > drop && r.events.length >= before + 6, 10_000, `events after drop ${drop}`);
    }
    expect(c.opens).toBe(4);
    expect(c.events.filter((e) => e.type === 'snapshot').length).toBe(1);
    expect(c.events[0].type).toBe('snapshot');
    expectConsecutive(c.events);
  });

  it('replays only its own channels, the same events a client that never dropped got', async () => {
    const steady = open(srv.url + '/api/stream?channels=host,http');
    const dropped = open(proxy.url + '/api/stream?channels=host,http');
    await dropped.waitFor((r) => r.events.length >= 4, 10_000, 'first events');
    for (let drop = 1; drop <= 2; drop++) {
      const before = dropped.events.length;
      proxy.dropAll();
      await dropped.waitFor((r) => r.opens > drop && r.events.length >= before + 4, 10_000, `events after drop ${drop}`);
    }
    const last = dropped.events.at(-1)!.id;
    await steady.waitFor((r) => r.events.some((e) => e.id === last), 10_000, 'the steady client to catch up');
    const live = (r: SseRecorder) => r.events.filter((e) => e.type !== 'snapshot').map((e) => e.id);
    const start = Math.max(seqOf(steady.events[1]), seqOf(dropped.events[1]));
    const window = (ids: string[]) => ids.filter((id) => parseId(id)!.seq >= start && parseId(id)!.seq <= parseId(last)!.seq);
    expect(window(live(dropped))).toEqual(window(live(steady)));
    expect(new Set(dropped.events.slice(1).map((e) => e.type))).toEqual(new Set(['host', 'http']));
  });
});

describe('a client that reconnects while the stream is shutting down', () => {
  it('gets no answer rather than a 503, so its EventSource keeps retrying and resumes with no gap', async () => {
    const srv = await startVigil({ retry: 100 });
    const c = new SseRecorder(srv.url + '/api/stream');
    try {
      await c.waitFor((r) => r.events.length >= 4, 10_000, 'first events');
      srv.vigil.stream.stop();
      await c.waitFor((r) => r.errors >= 3, 10_000, 'failed reconnects during the shutdown');
      expect(c.es.readyState).toBe(c.es.CONNECTING);
      const before = c.events.length;
      srv.vigil.stream.start();
      await c.waitFor((r) => r.events.length >= before + 6, 10_000, 'events after the stream is back');
      expect(c.of('snapshot').length).toBe(1);
      expectConsecutive(c.events);
    } finally {
      c.close();
      await srv.stop();
    }
  });
});

describe('a client whose server restarts', () => {
  it('gets a snapshot marked as a reset, of the new epoch, then its live events', async () => {
    const first = await startVigil({ retry: 100 });
    let second: Running | null = null;
    const c = new SseRecorder(first.url + '/api/stream');
    try {
      await c.waitFor((r) => r.events.length >= 4, 10_000, 'events before the restart');
      const oldEpoch = epochOf(c.events[0]);
      await first.stop();
      second = await startVigil({ retry: 100, port: Number(new URL(first.url).port) });
      await c.waitFor((r) => r.of('snapshot').length === 2 && r.events.at(-1)!.type !== 'snapshot' && r.events.length - r.events.indexOf(r.of('snapshot')[1]) >= 5, 15_000, 'a second snapshot and events after it');
      const i = c.events.indexOf(c.of('snapshot')[1]);
      const snap = Snapshot.parse(JSON.parse(c.events[i].data));
      expect(snap.reset).toBe(true);
      expect(snap.epoch).toBe(second.vigil.hub.epoch);
      expect(snap.epoch).not.toBe(oldEpoch);
      expect(c.events.slice(0, i).every((e) => epochOf(e) === oldEpoch)).toBe(true);
      expect(c.events.slice(i).every((e) => epochOf(e) === snap.epoch)).toBe(true);
      expectConsecutive(c.events.slice(i));
    } finally {
      c.close();
      await first.stop();
      await second?.stop();
    }
  });
});

describe('Last-Event-ID that cannot be replayed', () => {
  let srv: Running;
  const clients: SseRecorder[] = [];
  beforeAll(async () => {
    // A small ring, so that "older than the ring" happens within a second.
    srv = await startVigil({ retry: 100, replay: 16 });
    const c = new SseRecorder(srv.url + '/api/stream');
    clients.push(c);
    await c.waitFor((r) => r.events.length > 20, 10_000, 'more events than the ring holds');
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await srv?.stop();
  });

  const cases: Array<[string, () => string]> = [
    ['garbage', () => 'garbage'],
    ['huge', () => 'x'.repeat(8000)],
    ['a huge number', () => `${srv.vigil.hub.epoch}-${'9'.repeat(40)}`],
    ['from another epoch', () => 'zzzz0000-3'],
    ['from the future', () => `${srv.vigil.hub.epoch}-${parseId(srv.vigil.hub.lastId())!.seq + 1000}`],
    ['older than the ring', () => `${srv.vigil.hub.epoch}-1`],
  ];
  it.each(cases)('answers an id %s with a reset snapshot, then live events, without an error loop', async (_what, id) => {
    for (const headers of [{ 'Last-Event-ID': id() }, {} as Record<string, string>]) {
      const url = srv.url + '/api/stream' + (Object.keys(headers).length ? '' : `?lastEventId=${encodeURIComponent(id())}`);
      const c = new SseRecorder(url, headers);
      clients.push(c);
      await c.waitFor((r) => r.events.length >= 4, 10_000, 'a snapshot and live events');
      c.close();
      expect(c.events[0].type).toBe('snapshot');
      expect(Snapshot.parse(JSON.parse(c.events[0].data)).reset).toBe(true);
      expect(c.of('snapshot').length).toBe(1);
      expect([c.opens, c.errors]).toEqual([1, 0]);
      expectConsecutive(c.events);
    }
  });

  it('answers an empty id as a fresh client: a snapshot that is not a reset', async () => {
    const c = new SseRecorder(srv.url + '/api/stream', { 'Last-Event-ID': '' });
    clients.push(c);
    await c.waitFor((r) => r.events.length >= 2);
    expect(c.events[0].type).toBe('snapshot');
    expect(Snapshot.parse(JSON.parse(c.events[0].data)).reset).toBe(false);
  });

  it('replays an id still in the ring without a snapshot', async () => {
    const id = `${srv.vigil.hub.epoch}-${parseId(srv.vigil.hub.lastId())!.seq - 5}`;
    const c = new SseRecorder(srv.url + '/api/stream', { 'Last-Event-ID': id });
    clients.push(c);
    await c.waitFor((r) => r.events.length >= 8);
    expect(c.of('snapshot')).toEqual([]);
    expect(seqOf(c.events[0])).toBe(parseId(id)!.seq + 1);
    expectConsecutive(c.events);
  });
});

describe('a reconnect while events are being published', () => {
  it('hands over from replay to live with no gap and no duplicate', async () => {
    // No built-in sources: the test is the only publisher, once per turn of the
    // event loop, so events land between the request and the replay.
    const srv = await startVigil({ retry: 100 }, { sources: () => [] });
    const hub = srv.vigil.hub;
    let n = 0;
    let publishing = true;
    const publish = () => {
      if (!publishing) return;
      hub.publish('app', smallTick(++n));
      setImmediate(publish);
    };
    const clients: SseRecorder[] = [];
    try {
      publish();
      for (let i = 0; i < 5; i++) {
        const from = hub.lastId();
        const c = new SseRecorder(srv.url + '/api/stream?channels=app', { 'Last-Event-ID': from });
        clients.push(c);
        await c.waitFor((r) => r.events.length >= 50, 10_000, 'replayed and live events');
        c.close();
        expect(c.of('snapshot')).toEqual([]);
        expect(seqOf(c.events[0])).toBe(parseId(from)!.seq + 1);
        expectConsecutive(c.events);
      }
    } finally {
      publishing = false;
      for (const c of clients) c.close();
      await srv.stop();
    }
  });
});
