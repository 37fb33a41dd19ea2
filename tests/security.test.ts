import http, { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from '../server/http/http-error.js';
import { ErrorBody, Snapshot } from '../shared/schema.js';
import { capturedLogger } from './helpers/log-capture.js';
import { startVigil, type Running } from './helpers/server.js';
import { SseRecorder } from './helpers/sse.js';

const READ = 'read-secret-abcdefghij';
const INGEST = 'ingest-secret-klmnopqrst';

describe('with READ_TOKEN set', () => {
  let srv: Running;
  const log = capturedLogger();
  const clients: SseRecorder[] = [];
  beforeAll(async () => {
    srv = await startVigil({ readToken: READ, ingestToken: INGEST, logLevel: 'info' }, { logger: log.logger, pageDir: null });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await srv.stop();
  });

  it.each(['/api/stream', '/api/snapshot', '/api/channels', '/metrics', '/', '/index.html'])('answers %s without the token with 401', async (path) => {
    const r = await fetch(srv.url + path);
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Bearer realm="vigil"');
    expect(ErrorBody.parse(await r.json()).error).toBe('missing or wrong token: send Authorization: Bearer <READ_TOKEN> or ?token=<READ_TOKEN>');
  });

  it('refuses a wrong token, the ingest token and a repeated ?token=, without echoing them', async () => {
    for (const q of ['?token=read-secret-abcdefghiX', `?token=${INGEST}`, `?token=${READ}&token=${READ}`]) {
      const r = await fetch(srv.url + '/api/snapshot' + q);
      expect(r.status).toBe(401);
      const text = await r.text();
      expect(text).not.toContain('secret');
    }
    const r = await fetch(srv.url + '/api/snapshot', { headers: { Authorization: `Bearer ${INGEST}` } });
    expect(r.status).toBe(401);
  });

  it('streams to an EventSource that passes ?token=, and serves the snapshot to a Bearer header', async () => {
    const c = new SseRecorder(srv.url + `/api/stream?channels=host&token=${READ}`);
    clients.push(c);
    await c.waitFor((r) => r.events.length >= 2);
    expect(c.events[0].type).toBe('snapshot');
    const r = await fetch(srv.url + '/api/snapshot', { headers: { Authorization: `Bearer ${READ}` } });
    expect(r.status).toBe(200);
    Snapshot.parse(await r.json());
    expect((await fetch(srv.url + `/metrics?token=${READ}`)).status).toBe(200);
  });

  it.each(['/assets/../index.html', '/assets/%2e%2e/index.html', '/assets/..%2findex.html', '/assets//../index.html', '/assets/a/../../index.html'])(
    'does not let %s reach past the open assets without the token',
    async (path) => {
      const status = await new Promise<number>((resolve, reject) => {
        // Raw request: fetch would normalise the dots away before sending.
        http.get(srv.url + '/', { path }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        }).on('error', reject);
      });
      expect(status).toBe(401);
    },
  );

  it('answers HEAD api/stream at once with the stream headers (it used to hang)', async () => {
    const r = await fetch(srv.url + `/api/stream?token=${READ}`, { method: 'HEAD', signal: AbortSignal.timeout(5000) });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
  });

  it('keeps health checks and the hashed page assets open', async () => {
    expect((await fetch(srv.url + '/healthz')).status).toBe(200);
    expect((await fetch(srv.url + '/readyz')).status).toBe(200);
    expect((await fetch(srv.url + '/assets/index-abc123.js')).status).not.toBe(401);
  });

  it('logs one line per request with id, method, path without query, status and ms, and never a token', async () => {
    await fetch(srv.url + `/api/channels?token=${READ}&x=1`, { headers: { 'X-Request-Id': 'trace-42' } });
    await fetch(srv.url + '/api/ingest', { method: 'POST', headers: { Authorization: `Bearer ${INGEST}`, 'Content-Type': 'application/json' }, body: '{"metrics":[{"name":"a","value":1}]}' });
    await expect.poll(() => log.lines.some((l) => l.includes('"trace-42"'))).toBe(true);
    const line = JSON.parse(log.lines.find((l) => l.includes('"trace-42"'))!);
    expect(line).toMatchObject({ reqId: 'trace-42', method: 'GET', path: '/api/channels', status: 200, msg: 'request' });
    expect(typeof line.ms).toBe('number');
    await expect.poll(() => log.lines.some((l) => l.includes('"/api/ingest"'))).toBe(true);
    expect(JSON.parse(log.lines.find((l) => l.includes('"/api/ingest"'))!)).toMatchObject({ method: 'POST', status: 202 });
    const all = log.lines.join('\n');
    for (const secret of [READ, INGEST, 'Bearer', 'authorization', 'token=']) expect(all).not.toContain(secret);
  });

  it('logs health probes at debug, not info', async () => {
    await fetch(srv.url + '/healthz', { headers: { 'X-Request-Id': 'probe-1' } });
    await fetch(srv.url + '/api/channels', { headers: { 'X-Request-Id': 'after-probe-1' } });
    await expect.poll(() => log.lines.some((l) => l.includes('"after-probe-1"'))).toBe(true);
    expect(log.lines.some((l) => l.includes('"probe-1"'))).toBe(false);
  });

  it('makes up a request id when the given one is not a plain word, and sends it back', async () => {
    const r = await fetch(srv.url + '/healthz', { headers: { 'X-Request-Id': 'a b"c' } });
    expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('security headers and CORS', () => {
  let srv: Running;
  let embed: Running;
  beforeAll(async () => {
    srv = await startVigil({}, { pageDir: null });
    embed = await startVigil({ frameAncestors: "'self' https://intranet.example.com", corsOrigins: 'https://ops.example.com' }, { pageDir: null });
  });
  afterAll(async () => {
    await srv.stop();
    await embed.stop();
  });

  it('sends a self-only CSP without inline scripts, nosniff and no-referrer on every response', async () => {
    for (const path of ['/', '/api/channels', '/api/nothing', '/healthz']) {
      const r = await fetch(srv.url + path);
      const csp = r.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toContain("frame-ancestors 'self'");
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('referrer-policy')).toBe('no-referrer');
      expect(r.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(r.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('lets FRAME_ANCESTORS name who may embed the page, dropping X-Frame-Options that cannot say it', async () => {
    const r = await fetch(embed.url + '/api/channels');
    expect(r.headers.get('content-security-policy')).toContain("frame-ancestors 'self' https://intranet.example.com");
    expect(r.headers.get('x-frame-options')).toBeNull();
  });

  it('has CORS off by default', async () => {
    const r = await fetch(srv.url + '/api/channels', { headers: { Origin: 'https://ops.example.com' } });
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows only the listed origins, with a preflight for ingest', async () => {
    const ok = await fetch(embed.url + '/api/channels', { headers: { Origin: 'https://ops.example.com' } });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://ops.example.com');
    expect(ok.headers.get('vary')).toMatch(/Origin/);
    const other = await fetch(embed.url + '/api/channels', { headers: { Origin: 'https://evil.example.com' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await fetch(embed.url + '/api/ingest', {
      method: 'OPTIONS',
      headers: { Origin: 'https://ops.example.com', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    const bad = await fetch(embed.url + '/api/ingest', { method: 'OPTIONS', headers: { Origin: 'https://evil.example.com', 'Access-Control-Request-Method': 'POST' } });
    expect(bad.status).toBe(403);
  });
});

describe('error bodies', () => {
  it('answers an internal error with a bare 500: no message, no stack; the error goes to the log only', async () => {
    const logged: unknown[] = [];
    const app = express();
    app.get('/boom', () => {
      throw new Error('db password=hunter2 at /srv/app/db.js:12');
    });
    app.use(errorHandler((err) => logged.push(err)));
    const server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const r = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/boom`);
      expect(r.status).toBe(500);
      const text = await r.text();
      expect(ErrorBody.parse(JSON.parse(text))).toEqual({ error: 'internal error' });
      expect(text).not.toMatch(/hunter2|db\.js|at /);
      expect(String(logged[0])).toContain('hunter2');
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
