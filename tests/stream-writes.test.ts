import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVigil, parseConfig, type Vigil } from '../server/index.js';
import { startVigil, type Running } from './helpers/server.js';
import { until } from './helpers/until.js';

/**
 * The stream writes each turn of the event loop's events to a client in one
 * write. Each `res.write` is one HTTP/1.1 chunk, and chunk boundaries survive
 * any TCP segmentation, so reading the chunked body by hand shows how the
 * server wrote it: a sampler round (host, process and http published in one
 * turn) must come as one chunk, not three.
 */
interface Chunked {
  /** The event types in each chunk of the body, in order. */
  chunks: string[][];
  close(): void;
}

/** A plain HTTP/1.0 request: no chunked encoding, the body ends when the connection does. */
function openHttp10(url: string): { text: () => string; close: () => void } {
  const u = new URL(url);
  let raw = '';
  const sock = connect(Number(u.port), u.hostname, () => sock.write(`GET ${u.pathname}${u.search} HTTP/1.0\r\nHost: ${u.host}\r\n\r\n`));
  sock.setEncoding('utf8');
  sock.on('error', () => {});
  sock.on('data', (d: string) => (raw += d));
  return { text: () => raw, close: () => sock.destroy() };
}

function openChunked(url: string): Chunked {
  const u = new URL(url);
  const out: Chunked = { chunks: [], close: () => sock.destroy() };
  let buf = Buffer.alloc(0);
  let inBody = false;
  const sock: Socket = connect(Number(u.port), u.hostname, () => {
    sock.write(`GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nAccept: text/event-stream\r\n\r\n`);
  });
  sock.on('error', () => {});
  sock.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    if (!inBody) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString();
      if (!/transfer-encoding: chunked/i.test(head)) throw new Error(`expected a chunked body, got:\n${head}`);
      buf = buf.subarray(end + 4);
      inBody = true;
    }
    for (;;) {
      const eol = buf.indexOf('\r\n');
      if (eol < 0) return;
      const size = parseInt(buf.subarray(0, eol).toString(), 16);
      if (buf.length < eol + 2 + size + 2) return;
      const body = buf.subarray(eol + 2, eol + 2 + size).toString();
      buf = buf.subarray(eol + 2 + size + 2);
      out.chunks.push([...body.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]));
    }
  });
  return out;
}

let srv: Running;
const open: Chunked[] = [];

beforeAll(async () => {
  srv = await startVigil();
});
afterAll(async () => {
  for (const c of open) c.close();
  await srv.stop();
});

describe('the stream writes a sampler round to each client at once', () => {
  it('sends host, process and http of one round in one chunk', async () => {
    const c = openChunked(`${srv.url}/api/stream`);
    open.push(c);
    const rounds = () => c.chunks.filter((types) => types.includes('host'));
    await until(() => rounds().length >= 4, 'four rounds with a host tick');
    expect(c.chunks.flat()[0]).toBe('snapshot');
    // Each round's host tick shares its chunk with that round's process and http ticks.
    for (const types of rounds().slice(1)) expect(types.filter((t) => t !== 'status').sort()).toEqual(['host', 'http', 'process']); // a check's state change may join its round
  });

  it('gives a filtered client only its channels, still one chunk per round', async () => {
    const c = openChunked(`${srv.url}/api/stream?channels=host,http`);
    open.push(c);
    await until(() => c.chunks.filter((t) => t.includes('host')).length >= 4, 'four rounds with a host tick');
    const live = c.chunks.slice(1).filter((t) => t.length > 0);
    expect(live.flat()).not.toContain('process');
    for (const types of live.filter((t) => t.includes('host')).slice(1)) expect(types.sort()).toEqual(['host', 'http']);
  });
});

describe('where frames cannot go straight to the socket, they go through res.write', () => {
  it('streams plain frames to an HTTP/1.0 client (no chunk framing in the body)', async () => {
    const c = openHttp10(`${srv.url}/api/stream?channels=host`);
    try {
      await until(() => (c.text().match(/^event: host$/gm) ?? []).length >= 3, 'three host ticks');
      const [head, body] = c.text().split('\r\n\r\n', 2);
      expect(head).not.toMatch(/transfer-encoding/i);
      // The body is SSE from its first byte to its last: no chunk-size lines anywhere.
      expect(body).toMatch(/^retry: \d+\nid: /);
      for (const block of c.text().slice(head.length + 4).split('\n\n').filter(Boolean)) expect(block).toMatch(/^(retry|id|event|data|:)/m);
      expect(c.text().slice(head.length + 4)).not.toMatch(/\r\n[0-9a-f]+\r\n/);
    } finally {
      c.close();
    }
  });

  it('lets a host app that wraps res.write (as compression does) see every byte of the stream', async () => {
    const vigil: Vigil = createVigil(parseConfig({ port: 0, logLevel: 'silent', interval: 100, diskUsageInterval: 0 }), { pageDir: null });
    let seen = '';
    const app = express();
    app.use((_req, res, next) => {
      const write = res.write.bind(res) as (chunk: unknown, ...rest: unknown[]) => boolean;
      res.write = ((chunk: unknown, ...rest: unknown[]) => {
        seen += String(chunk);
        return write(chunk, ...rest);
      }) as typeof res.write;
      next();
    });
    app.use('/status', vigil.router);
    await vigil.start({ listen: false });
    const server: Server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const c = openChunked(`http://127.0.0.1:${(server.address() as AddressInfo).port}/status/api/stream`);
    try {
      await until(() => c.chunks.filter((t) => t.includes('host')).length >= 3, 'three rounds');
      const received = c.chunks.flat();
      const wrapped = [...seen.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
      // Every event the client got went through the host app's res.write.
      expect(wrapped.slice(0, received.length)).toEqual(received);
    } finally {
      c.close();
      await vigil.stop();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    }
  });
});
