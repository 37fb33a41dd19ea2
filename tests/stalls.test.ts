import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorBody } from '../shared/schema.js';
import { openStalled } from './helpers/stalled-client.js';
import { startVigil, type Running } from './helpers/server.js';
import { SseRecorder } from './helpers/sse.js';
import { bigTick } from './helpers/ticks.js';
import { until } from './helpers/until.js';

const TOKEN = 'ingest-secret-0123456789';
let srv: Running | null = null;
afterEach(async () => {
  await srv?.stop();
  srv = null;
});

describe('a stream client whose socket does not drain', () => {
  it('is cut after CLIENT_STALL ms, however far under the byte cap, while a reading client stays', async () => {
    const STALL = 1000;
    // The byte cap at its largest: only the time rule can cut.
    srv = await startVigil({ clientBuffer: 1 << 30, clientStall: STALL, heartbeat: 0 }, { sources: () => [] });
    const stream = srv.vigil.stream;
    const reader = new SseRecorder(srv.url + '/api/stream?channels=app');
    const stalled = await openStalled(srv.url + '/api/stream?channels=app');
    try {
      await reader.waitFor((r) => r.of('snapshot').length === 1);
      await until(() => stream.clients === 2, 'both clients');
      // Fill the kernel's buffers until Node holds bytes it cannot send (a few MB at most on loopback).
      for (let i = 1; ; i++) {
        expect(i).toBeLessThan(2000);
        srv.vigil.hub.publish('app', bigTick(i, 64));
        await reader.waitFor((r) => r.of('app').length === i, 10_000, `event ${i}`);
        const socket = [...(stream as unknown as { clientSet: Set<{ res: { socket: net.Socket | null } }> }).clientSet].map((c) => c.res.socket);
        if (socket.some((s) => s?.writableNeedDrain)) break;
      }
      const full = Date.now();
      expect(stream.slowDisconnects).toBe(0);
      // Nothing more is published: the byte cap would never be reached.
      await until(() => stream.slowDisconnects === 1, 'the stalled client to be cut', STALL + 5000);
      expect(Date.now() - full).toBeGreaterThanOrEqual(STALL - 50);
      expect(stream.clients).toBe(1);
      await stalled.drain();
      expect(reader.opens).toBe(1);
    } finally {
      reader.close();
      stalled.socket.destroy();
    }
  });
});

/** A raw connection; `closed` settles when the server closes it. */
function connect(url: string): Promise<{ socket: net.Socket; text: () => string; closed: Promise<void> }> {
  const u = new URL(url);
  const socket = net.connect(Number(u.port), u.hostname);
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return new Promise((resolve) => socket.once('connect', () => resolve({ socket, text: () => text, closed })));
}

const chunkedIngest = (token: string) =>
  `POST /api/ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"met\r\n`;

describe('request bodies', () => {
  it('a chunked ingest body that stalls, with a valid token: 408 naming BODY_TIMEOUT, and the connection closed', async () => {
    srv = await startVigil({ ingestToken: TOKEN, bodyTimeout: 500 });
    const c = await connect(srv.url);
    c.socket.write(chunkedIngest(TOKEN));
    const start = Date.now();
    await c.closed;
    expect(Date.now() - start).toBeLessThan(5000);
    const [head, body] = c.text().split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 408 /);
    expect(head.toLowerCase()).toContain('connection: close');
    expect(ErrorBody.parse(JSON.parse(body)).error).toContain('BODY_TIMEOUT');
  });

  it('a client that trickles its body after a 401 is closed at once, long before the body timeout', async () => {
    srv = await startVigil({ ingestToken: TOKEN, bodyTimeout: 60_000 });
    const c = await connect(srv.url);
    c.socket.write(chunkedIngest('wrong-token-0123456789'));
    const trickle = setInterval(() => c.socket.writable && c.socket.write('1\r\nx\r\n'), 100);
    try {
      await Promise.race([c.closed, new Promise((_, reject) => setTimeout(() => reject(new Error(`still open: ${c.text()}`)), 3000))]);
      expect(c.text()).toMatch(/^HTTP\/1\.1 401 /);
    } finally {
      clearInterval(trickle);
      c.socket.destroy();
    }
  });

  it('a body that arrives whole in time is served as before', async () => {
    srv = await startVigil({ ingestToken: TOKEN, bodyTimeout: 500, ingestRate: 0 });
    const res = await fetch(srv.url + '/api/ingest', {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ metrics: [{ name: 'body.ok', value: 1 }] }),
    });
    expect(res.status).toBe(202);
  });
});
