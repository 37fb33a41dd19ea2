import http, { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody, Snapshot } from '../shared/schema.js';
import { capturedLogger } from './helpers/log-capture.js';
import { startVigil, type Running } from './helpers/server.js';
import { SseRecorder } from './helpers/sse.js';
import { until } from './helpers/until.js';

// The standalone server opens GET /api/stream before Express (server/http/stream-first.ts).
// These compare it with the same Vigil's Express app serving the same request, at the root
// and mounted under a prefix, for every kind of answer a stream request can get.

const READ = 'read-secret-abcdefghij';
const ORIGIN = 'https://ops.example.com';

let srv: Running;
const log = capturedLogger();
/** The same Vigil's Express app, with nothing in front: every stream request goes through the router. */
let viaExpress: Server;
let expressUrl = '';
/** A host app that mounts Vigil's router under /status. */
let mounted: Server;
let mountedUrl = '';
/** For each request the standalone server got: did its response still have node's own prototype once the listeners ran? */
const plain = new Map<string, boolean>();
const clients: SseRecorder[] = [];

async function serve(handler: http.RequestListener): Promise<[Server, string]> {
  const s = createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return [s, `http://127.0.0.1:${(s.address() as AddressInfo).port}`];
}

beforeAll(async () => {
  srv = await startVigil(
    { readToken: READ, corsOrigins: ORIGIN, frameAncestors: "'self' https://intranet.example.com", logLevel: 'info' },
    { logger: log.logger, pageDir: null },
  );
  // A second 'request' listener runs right after Vigil's, in the same turn: Express would
  // have given the response its own prototype by then, the stream-first path never does.
  srv.vigil.server!.on('request', (req: IncomingMessage, res: http.ServerResponse) => {
    plain.set(String(req.headers['x-request-id']), Object.getPrototypeOf(res) === http.ServerResponse.prototype);
  });
  [viaExpress, expressUrl] = await serve(srv.vigil.app);
  const host = express();
  host.disable('x-powered-by');
  host.use('/status', srv.vigil.router);
  [mounted, mountedUrl] = await serve(host);
});
afterAll(async () => {
  for (const c of clients) c.close();
  for (const s of [viaExpress, mounted]) s?.closeAllConnections();
  await Promise.all([viaExpress, mounted].map((s) => s && new Promise((r) => s.close(r))));
  await srv.stop();
});

interface Answer {
  status: number;
  headers: Record<string, string>;
  /** The start of the body: the first event block of a stream, or the whole JSON error. */
  body: string;
}

/** One GET, read until its first event block (or its end), then dropped. */
async function get(base: string, path: string, headers: Record<string, string>): Promise<Answer> {
  const ctl = new AbortController();
  const res = await fetch(base + path, { headers, signal: ctl.signal });
  const reader = res.body!.getReader();
  let body = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    body += new TextDecoder().decode(value);
    if (body.includes('\n\n')) break;
  }
  ctl.abort();
  const h: Record<string, string> = {};
  // Date and the request id differ by request; every other header must be the same.
  res.headers.forEach((v, k) => {
    if (k !== 'date' && k !== 'x-request-id') h[k] = v;
  });
  return { status: res.status, headers: h, body };
}

const CASES: Array<[string, string, Record<string, string>]> = [
  ['?token= (what EventSource sends)', `/api/stream?channels=host&token=${READ}`, {}],
  ['a Bearer header', '/api/stream?channels=host,process&history=5', { Authorization: `Bearer ${READ}` }],
  ['Last-Event-ID from an old epoch', `/api/stream?token=${READ}&compact=1`, { 'Last-Event-ID': '1-5' }],
  ['an allowed Origin', `/api/stream?token=${READ}`, { Origin: ORIGIN }],
  ['an Origin not allowed', `/api/stream?token=${READ}`, { Origin: 'https://evil.example' }],
  ['no token', '/api/stream?channels=host', {}],
  ['a wrong token', '/api/stream?token=nope', {}],
  ['a bad query', `/api/stream?channels=nope&token=${READ}`, {}],
];

describe('GET /api/stream before Express', () => {
  it.each(CASES)('answers %s with the status and headers the Express router gives, at the root and under a prefix', async (_what, path, headers) => {
    const direct = await get(srv.url, path, headers);
    const routed = await get(expressUrl, path, headers);
    const prefixed = await get(mountedUrl, '/status' + path, headers);
    expect(direct.headers).toEqual(routed.headers);
    expect(direct.headers).toEqual(prefixed.headers);
    expect([direct.status, prefixed.status]).toEqual([routed.status, routed.status]);
    if (routed.status === 200) {
      expect(direct.headers['content-type']).toBe('text/event-stream');
      for (const a of [direct, routed, prefixed]) expect(a.body).toMatch(/^retry: \d+\nid: [^\n]+\nevent: snapshot\ndata: \{/);
    } else {
      expect(ErrorBody.parse(JSON.parse(direct.body))).toEqual(ErrorBody.parse(JSON.parse(routed.body)));
    }
  });

  it('takes only the plain stream request; errors, HEAD, other spellings and other routes go through Express', async () => {
    const seen = async (path: string, init: RequestInit = {}) => {
      const id = `probe-${Math.random().toString(36).slice(2)}`;
      const res = await fetch(srv.url + path, { ...init, headers: { 'X-Request-Id': id, ...(init.headers as Record<string, string>) } });
      await res.body?.cancel();
      return [res.status, plain.get(id)];
    };
    expect(await seen(`/api/stream?token=${READ}`)).toEqual([200, true]);
    expect(await seen(`/api/stream?token=${READ}`, { headers: { Origin: ORIGIN } })).toEqual([200, false]);
    expect(await seen('/api/stream')).toEqual([401, false]);
    expect(await seen(`/api/stream?history=x&token=${READ}`)).toEqual([400, false]);
    expect(await seen(`/api/stream?token=${READ}`, { method: 'HEAD' })).toEqual([200, false]);
    expect(await seen(`/API/Stream/?token=${READ}`)).toEqual([200, false]);
    expect(await seen(`/api/snapshot?token=${READ}`)).toEqual([200, false]);
    expect(await seen('/healthz')).toEqual([200, false]);
  });

  it('streams to a real EventSource, logs the request when it ends and keeps the slow-client machinery', async () => {
    const id = 'stream-first-log-check';
    const c = new SseRecorder(srv.url + `/api/stream?channels=process&token=${READ}`, { 'X-Request-Id': id });
    clients.push(c);
    await c.waitFor((r) => r.events.length >= 3);
    expect(plain.get(id)).toBe(true);
    Snapshot.parse(JSON.parse(c.events[0].data));
    expect(c.events.slice(1).every((e) => e.type === 'process')).toBe(true);
    expect(srv.vigil.stream.clients).toBeGreaterThanOrEqual(1);
    c.close();
    await until(() => log.lines.some((l) => l.includes(`"reqId":"${id}"`)), 'the request log line', 5000);
    const line = JSON.parse(log.lines.find((l) => l.includes(`"reqId":"${id}"`))!);
    expect(line).toMatchObject({ method: 'GET', path: '/api/stream', status: 200, msg: 'request' });
    expect(JSON.stringify(line)).not.toContain(READ);
  });
});
