import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Snapshot } from '../shared/schema.js';
import { parseId } from '../server/hub/event-id.js';
import { requireBinary } from './helpers/binary.js';
import { startNginx, type Nginx } from './helpers/nginx.js';
import { openRaw } from './helpers/raw-stream.js';
import { openStalled } from './helpers/stalled-client.js';
import { startVigil, type Running } from './helpers/server.js';
import { SseRecorder } from './helpers/sse.js';
import { bigTick, smallTick } from './helpers/ticks.js';
import { until } from './helpers/until.js';

const bin = requireBinary('nginx', 'apt-get install -y nginx', ['/usr/sbin/nginx']);
const sleep = (ms: number) => new Promise<'slept'>((r) => setTimeout(() => r('slept'), ms));

// docs/nginx.conf as written (nginx's default buffering), with a 2 s read timeout
// instead of 60 s so that outliving it takes seconds, and a 500 ms heartbeat.
const READ_TIMEOUT = 2000;

describe.skipIf(!bin.path)('Vigil behind nginx under /status/ (docs/nginx.conf)', () => {
  let srv: Running;
  let nginx: Nginx;
  beforeAll(async () => {
    // No built-in sources: the test's events are the only ones, so a stream can be idle.
    srv = await startVigil({ heartbeat: 500, retry: 100 }, { sources: () => [] });
    nginx = await startNginx({ bin: bin.path!, upstream: srv.url, location: [`proxy_read_timeout ${READ_TIMEOUT / 1000}s;`] });
  });
  afterAll(async () => {
    await nginx?.stop();
    await srv?.stop();
  });

  it('serves the API under the prefix', async () => {
    expect((await fetch(nginx.url + '/status/healthz')).status).toBe(200);
    const res = await fetch(nginx.url + '/status', { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(new URL(res.headers.get('location')!, nginx.url).pathname).toBe('/status/');
  });

  it('passes each event through within a second of its publication, despite proxy buffering', async () => {
    const c = new SseRecorder(nginx.url + '/status/api/stream?channels=app');
    try {
      await c.waitFor((r) => r.of('snapshot').length === 1, 5_000, 'the snapshot');
      const delays: number[] = [];
      for (let i = 1; i <= 10; i++) {
        const t = Date.now();
        srv.vigil.hub.publish('app', smallTick(i, t));
        const id = srv.vigil.hub.lastId();
        await c.waitFor((r) => r.events.some((e) => e.id === id), 10_000, `event ${i}`);
        delays.push(c.events.find((e) => e.id === id)!.at - t);
        await sleep(50);
      }
      expect(delays.filter((d) => d >= 1000)).toEqual([]);
      expect(c.opens).toBe(1);
    } finally {
      c.close();
    }
  });

  it('keeps an idle stream open well past the read timeout thanks to heartbeats', async () => {
    const s = await openRaw(nginx.url + '/status/api/stream?channels=app');
    try {
      expect(s.status).toBe(200);
      expect(s.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(await Promise.race([s.ended, sleep(READ_TIMEOUT * 3)])).toBe('slept');
      expect(s.text.split(': keep-alive\n').length - 1).toBeGreaterThanOrEqual(4);
      expect(Snapshot.parse(JSON.parse(/event: snapshot\ndata: (.*)\n/.exec(s.text)![1])).reset).toBe(false);
    } finally {
      s.close();
    }
  });

  it('leaves a client that stops reading to the cap of Vigil instead of buffering for it (X-Accel-Buffering: no)', async () => {
    // With buffering on for the stream, nginx would read on into its temp files
    // (up to 1 GB per client) and Vigil would never see the client fall behind.
    await until(() => srv.vigil.stream.clients === 0, 'earlier clients to leave');
    const stalled = await openStalled(nginx.url + '/status/api/stream?channels=app');
    try {
      await until(() => srv.vigil.stream.clients === 1, 'the stalled client to reach Vigil');
      const before = srv.vigil.stream.slowDisconnects;
      for (let i = 0; srv.vigil.stream.slowDisconnects === before; i++) {
        expect(i).toBeLessThan(1000); // 64 KiB each: 64 MB, far past the socket buffers of both hops
        srv.vigil.hub.publish('app', bigTick(i, 64));
        await new Promise((r) => setImmediate(r));
      }
      expect(srv.vigil.stream.clients).toBe(0);
    } finally {
      stalled.socket.destroy();
    }
  });

  it('cuts an idle stream at the read timeout when heartbeats are off (what the heartbeat is for)', async () => {
    const quiet = await startVigil({ heartbeat: 0 }, { sources: () => [] });
    const proxy = await startNginx({ bin: bin.path!, upstream: quiet.url, location: [`proxy_read_timeout ${READ_TIMEOUT / 1000}s;`] });
    try {
      const s = await openRaw(proxy.url + '/status/api/stream?channels=app');
      expect(s.status).toBe(200);
      expect(await Promise.race([s.ended.then(() => 'ended'), sleep(READ_TIMEOUT * 5)])).toBe('ended');
      expect(await proxy.errorLog()).toMatch(/upstream timed out/);
    } finally {
      await proxy.stop();
      await quiet.stop();
    }
  });

  it('brings clients back through nginx on the other instance when one stops', async () => {
    const a = await startVigil({ retry: 100 });
    const b = await startVigil({ retry: 100 });
    const proxy = await startNginx({ bin: bin.path!, upstream: [a.url, b.url] });
    const c = new SseRecorder(proxy.url + '/status/api/stream');
    try {
      await c.waitFor((r) => r.events.length >= 3, 10_000, 'first events');
      const [serving, other] = parseId(c.events[0].id)!.epoch === a.vigil.hub.epoch ? [a, b] : [b, a];
      await serving.stop();
      await c.waitFor((r) => r.events.some((e) => parseId(e.id)!.epoch === other.vigil.hub.epoch && e.type !== 'snapshot'), 10_000, 'events of the other instance');
      const i = c.events.findIndex((e) => parseId(e.id)!.epoch === other.vigil.hub.epoch);
      // Standalone instances have their own epochs: a reset snapshot, never a silent gap (on Redis, a replay).
      expect(c.events[i].type).toBe('snapshot');
      expect(Snapshot.parse(JSON.parse(c.events[i].data)).reset).toBe(true);
      expect(c.es.readyState).toBe(c.es.OPEN);
    } finally {
      c.close();
      await proxy.stop();
      await a.stop();
      await b.stop();
    }
  });
});
