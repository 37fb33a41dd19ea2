import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVigil, parseConfig, type Vigil } from '../server/index.js';
import { Snapshot, StreamTick } from '../shared/schema.js';
import { capturedLogger } from './helpers/log-capture.js';
import { SseRecorder } from './helpers/sse.js';
import type { HttpMetrics } from '../server/sources/http.js';
import { snapshotSeries } from './helpers/snapshot.js';

const TOKEN = 'library-ingest-secret-0001';
let a: Vigil;
let b: Vigil;
let server: Server;
let base = '';
const log = capturedLogger('error');
const clients: SseRecorder[] = [];

// A host app of its own, as a user would write it: Vigil mounted under two prefixes.
beforeAll(async () => {
  const cfg = { port: 0, logLevel: 'silent' as const, interval: 100, diskUsageInterval: 0, ingestCoalesce: 0 };
  a = createVigil(parseConfig({ ...cfg, source: 'lib-a', ingestToken: TOKEN }), { pageDir: null, logger: log.logger });
  b = createVigil(parseConfig({ ...cfg, source: 'lib-b' }), { pageDir: null });
  const app = express();
  app.use(a.middleware);
  app.get('/hello', (_req, res) => {
    res.send('hi');
  });
  app.use('/status', a.router);
  app.use('/other', b.router);
  await a.start({ listen: false });
  await b.start({ listen: false });
  server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const c of clients) c.close();
  await a.stop();
  await b.stop();
  await new Promise<void>((r) => {
    server.close(() => r());
    server.closeAllConnections();
  });
});

describe('library mode: createVigil mounted in another Express app', () => {
  it('streams under the prefix: snapshot, then ticks of its own source', async () => {
    const c = new SseRecorder(base + '/status/api/stream?channels=host,http');
    clients.push(c);
    await c.waitFor((r) => r.of('host').length >= 2);
    expect(c.events[0].type).toBe('snapshot');
    for (const e of c.events.slice(1)) expect(StreamTick.parse(JSON.parse(e.data)).source).toBe('lib-a');
  });

  it('counts the host app routes through vigil.middleware', async () => {
    for (let i = 0; i < 20; i++) expect(await (await fetch(base + '/hello')).text()).toBe('hi');
    await expect
      .poll(async () => {
        const snap = Snapshot.parse(await (await fetch(base + '/status/api/snapshot?channels=http')).json());
        return Math.max(...snapshotSeries(snap).get('http.requests@lib-a')!.v);
      }, { timeout: 5000 })
      .toBeGreaterThan(0);
  });

  it('keeps two instances apart: ingest into one never shows in the other', async () => {
    const r = await fetch(base + '/status/api/ingest', {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ source: 'worker', metrics: [{ name: 'jobs.done', value: 3 }] }),
    });
    expect(r.status).toBe(202);
    await expect.poll(async () => Snapshot.parse(await (await fetch(base + '/status/api/snapshot?channels=app')).json()).groups.length).toBe(1);
    const other = Snapshot.parse(await (await fetch(base + '/other/api/snapshot')).json());
    expect(other.groups.every((g) => g.source === 'lib-b')).toBe(true);
    expect(other.epoch).not.toBe(Snapshot.parse(await (await fetch(base + '/status/api/snapshot')).json()).epoch);
    expect((await fetch(base + '/other/api/ingest', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status).toBe(404);
    expect(await (await fetch(base + '/other/metrics')).text()).not.toContain('jobs');
  });
});

describe('library mode: vigil.middleware and vigil.router together', () => {
  it("counts each request once, Vigil's own included, while a second instance counts it too", async () => {
    let metrics: HttpMetrics | null = null;
    let otherMetrics: HttpMetrics | null = null;
    const cfg = parseConfig({ port: 0, logLevel: 'silent' });
    const v = createVigil(cfg, { pageDir: null, sources: ({ http }) => [(metrics = http)] });
    const other = createVigil(cfg, { pageDir: null, sources: ({ http }) => [(otherMetrics = http)] });
    const app = express();
    app.use(v.middleware);
    app.use(other.middleware);
    app.get('/hello', (_req, res) => {
      res.send('hi');
    });
    app.use('/status', v.router);
    const srv = createServer(app);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
      // Not started: no sampler resets the counts; sample by hand over exactly one second.
      metrics!.sample(0);
      otherMetrics!.sample(0);
      for (let i = 0; i < 10; i++) expect((await fetch(url + '/status/healthz')).status).toBe(200);
      for (let i = 0; i < 5; i++) expect((await fetch(url + '/hello')).status).toBe(200);
      await new Promise((r) => setTimeout(r, 50)); // 'close' is emitted a tick after the response ends
      const count = (m: HttpMetrics) => m.sample(1000).find((r) => r.name === 'http.requests')!.v;
      expect(count(metrics!)).toBe(15);
      expect(count(otherMetrics!)).toBe(15);
    } finally {
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });
});
