import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCEPT, fetchPage } from '../server/sources/scrape/fetch-text.js';
import { PageConnection } from '../server/sources/scrape/page-connection.js';

/*
 * A target's own HTTP/1.1 connection (server/sources/scrape/page-connection.ts)
 * against real servers on port 0: a raw TCP server that writes the answers
 * byte for byte as each test says (split anywhere, chunked, close-delimited,
 * 1xx first, closing idle or reused connections, resetting, hanging), and
 * node's own http server. Where node:http's client (fetchPage without a
 * connection) reads the same answer, both must give the same body or the
 * same problem.
 */

type Script = (sock: Socket, request: string, n: number) => void;
let script: Script = () => {};
let server: Server;
let port = 0;
let connections = 0;
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((sock) => {
    connections++;
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    let n = 0;
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      for (let e = buf.indexOf('\r\n\r\n'); e >= 0; e = buf.indexOf('\r\n\r\n')) {
        const req = buf.slice(0, e + 4);
        buf = buf.slice(e + 4);
        script(sock, req, n++);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

const url = () => `http://127.0.0.1:${port}/metrics?x=1`;
const opts = (o: Partial<{ timeout: number; maxBytes: number; signal: AbortSignal }> = {}) => ({ timeout: 2000, maxBytes: 1 << 20, now: () => 42, ...o });

/** One get on `conn`: the body as text, or the problem. */
function get(conn: PageConnection, o = opts()): Promise<string> {
  return new Promise((r) => conn.get(o, (problem, body, at) => r(problem ?? `${at}:${body!.toString('latin1')}`)));
}

/** The same answer read by node:http's client: the body as text or the problem. */
async function viaNode(o = opts()): Promise<string> {
  try {
    const { body, at } = await fetchPage(url(), o);
    return `${at}:${body.toString('latin1')}`;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Writes `text` in pieces of `size` bytes, a turn of the event loop apart. */
function dribble(sock: Socket, text: string, size: number, then?: () => void): void {
  let i = 0;
  const step = () => {
    if (sock.destroyed) return;
    if (i >= text.length) return then?.();
    sock.write(text.slice(i, (i += size)), 'latin1');
    setImmediate(step);
  };
  step();
}

const PAGE = '# TYPE x counter\nx_total{a="1"} 5\n';
const ok = (body: string, extra = '') => `HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: ${Buffer.byteLength(body, 'latin1')}\r\n${extra}\r\n${body}`;
const chunked = (pieces: string[], trailer = '') => `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n${pieces.map((p) => `${p.length.toString(16)};ext=1\r\n${p}\r\n`).join('')}0\r\n${trailer}\r\n`;

describe('a page connection', () => {
  it('asks for the page with the path, host, Accept and keep-alive', async () => {
    let seen = '';
    script = (sock, req) => ((seen = req), sock.write(ok(PAGE)));
    const conn = new PageConnection(url(), ACCEPT);
    expect(await get(conn)).toBe(`42:${PAGE}`);
    expect(seen).toBe(`GET /metrics?x=1 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: ${ACCEPT}\r\nUser-Agent: vigil-scrape\r\nConnection: keep-alive\r\n\r\n`);
    conn.destroy();
  });

  it('reads answers split anywhere: head, length body, chunks with extensions and trailers, 100 Continue first', async () => {
    const answers = [ok(PAGE), chunked(['# TYPE x counter\n', 'x_total{a="1"} 5\n'], 'X-Trailer: 1\r\n'), `HTTP/1.1 100 Continue\r\n\r\n${ok(PAGE)}`, chunked([PAGE])];
    for (const answer of answers) {
      for (const size of [1, 3, 7, 1000]) {
        script = (sock) => dribble(sock, answer, size);
        const conn = new PageConnection(url(), ACCEPT);
        expect(await get(conn), `${JSON.stringify(answer)} in pieces of ${size}`).toBe(`42:${PAGE}`);
        conn.destroy();
      }
      script = (sock) => dribble(sock, answer, 5);
      expect(await viaNode()).toBe(`42:${PAGE}`);
    }
  });

  it('reads an HTTP/1.0 answer to its close, and opens a new connection next time', async () => {
    script = (sock) => dribble(sock, `HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n${PAGE}`, 4, () => sock.end());
    const conn = new PageConnection(url(), ACCEPT);
    const before = connections;
    expect(await get(conn)).toBe(`42:${PAGE}`);
    expect(await get(conn)).toBe(`42:${PAGE}`);
    expect(connections - before).toBe(2);
    expect(await viaNode()).toBe(`42:${PAGE}`);
    conn.destroy();
  });

  it('keeps one connection for many gets, and opens another when the target closed it or said close', async () => {
    script = (sock, _req, n) => sock.write(ok(`${PAGE}y ${n}\n`));
    const conn = new PageConnection(url(), ACCEPT);
    const before = connections;
    for (let i = 0; i < 5; i++) expect(await get(conn)).toBe(`42:${PAGE}y ${i}\n`);
    expect(connections - before).toBe(1);
    for (const s of sockets) s.end(); // the target closes idle connections
    await new Promise((r) => setTimeout(r, 50));
    expect(await get(conn)).toBe(`42:${PAGE}y 0\n`);
    expect(connections - before).toBe(2);
    // Answers saying close: the kept connection answers once more, then every get opens its own.
    script = (sock) => sock.write(ok(PAGE, 'Connection: close\r\n'));
    await get(conn);
    await get(conn);
    await get(conn);
    expect(connections - before).toBe(4);
    conn.destroy();
  });

  it('asks once more on a new connection when a kept one closes without answering (and only once)', async () => {
    const conn = new PageConnection(url(), ACCEPT);
    script = (sock) => sock.write(ok(PAGE));
    await get(conn);
    const before = connections;
    // The kept connection is closed as the request comes (a race with the target's idle timeout); a new one answers.
    script = (sock, _req, n) => (n > 0 ? sock.destroy() : sock.write(ok(PAGE)));
    expect(await get(conn)).toBe(`42:${PAGE}`);
    expect(connections - before).toBe(1);
    // Every connection closes unanswered: the get fails after one more try.
    script = (sock) => sock.destroy();
    expect(await get(conn)).toMatch(/^unreachable \(ECONNRESET\)$/);
    conn.destroy();
  });

  it('says what went wrong as node:http does: status, content type, size, binary data, reset, refused', async () => {
    const cases: Array<[string, Script, string]> = [
      ['500', (s) => s.write('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\nboom'), 'HTTP 500'],
      ['html', (s) => s.write(ok('<html>').replace('text/plain; version=0.0.4', 'text/html')), 'content type "text/html" is not the text format'],
      ['large', (s) => s.write(ok('x'.repeat(2000))), 'body of 2000 bytes is over 1000'],
      ['large chunked', (s) => s.write(chunked(['x'.repeat(600), 'x'.repeat(600)])), 'body over 1000 bytes'],
      ['binary', (s) => s.write(ok('x 1\n\u0000\u0001')), 'binary data, not the text format'],
      ['reset mid-body', (s) => (s.write(ok(PAGE).slice(0, -5)), setTimeout(() => s.resetAndDestroy(), 20)), 'read failed (ECONNRESET)'],
    ];
    for (const [what, s, want] of cases) {
      script = s;
      const conn = new PageConnection(url(), ACCEPT);
      expect(await get(conn, opts({ maxBytes: 1000 })), what).toBe(want);
      conn.destroy();
      expect(await viaNode(opts({ maxBytes: 1000 })), `${what} via node:http`).toBe(want);
    }
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const gone = `http://127.0.0.1:${(closed.address() as { port: number }).port}/metrics`;
    await new Promise((r) => closed.close(r));
    const conn = new PageConnection(gone, ACCEPT);
    expect(await get(conn)).toBe('unreachable (ECONNREFUSED)');
    conn.destroy();
  });

  it('fails what is not HTTP, headers without end, bad chunks, and bytes after the answer leave the connection', async () => {
    const cases: Array<[string, Script, string]> = [
      ['not HTTP', (s) => s.write('SSH-2.0-OpenSSH\r\n\r\n'), 'not an HTTP answer'],
      ['endless head', (s) => s.write(`HTTP/1.1 200 OK\r\n${'X-A: b\r\n'.repeat(10_000)}`), 'answer headers over 65536 bytes'],
      ['bad chunk size', (s) => s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'), 'read failed (bad chunk)'],
      ['bad chunk end', (s) => s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd\r\n'), 'read failed (bad chunk)'],
      ['bad length', (s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n'), 'read failed (bad Content-Length)'],
    ];
    for (const [what, s, want] of cases) {
      script = s;
      const conn = new PageConnection(url(), ACCEPT);
      expect(await get(conn), what).toBe(want);
      conn.destroy();
    }
    script = (sock) => sock.write(ok(PAGE) + 'HTTP/1.1 200 OK\r\n');
    const conn = new PageConnection(url(), ACCEPT);
    const before = connections;
    expect(await get(conn)).toBe(`42:${PAGE}`);
    script = (sock) => sock.write(ok(PAGE));
    expect(await get(conn)).toBe(`42:${PAGE}`);
    expect(connections - before).toBe(2);
    conn.destroy();
  });

  it('times out before and after the headers, stops on abort, and then works again', async () => {
    const conn = new PageConnection(url(), ACCEPT);
    script = () => {};
    expect(await get(conn, opts({ timeout: 100 }))).toBe('no answer within 100 ms');
    script = (sock) => sock.write(ok(PAGE).slice(0, -3));
    expect(await get(conn, opts({ timeout: 100 }))).toBe('no complete answer within 100 ms');
    script = () => {};
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 30);
    expect(await get(conn, opts({ signal: stop.signal }))).toBe('stopped');
    expect(await get(conn, opts({ signal: stop.signal }))).toBe('stopped');
    script = (sock) => sock.write(ok(PAGE));
    expect(await get(conn)).toBe(`42:${PAGE}`);
    conn.destroy();
  });

  it("reads node's own http server: keep-alive, chunked and by length, a large page", async () => {
    const big = `${'x{a="1"} 1\n'.repeat(20_000)}`;
    const srv = createHttpServer((req, res) => (req.url === '/big' ? res.writeHead(200, { 'content-type': 'text/plain' }).end(big) : res.end(PAGE)));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const at = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
    const conn = new PageConnection(`${at}/big`, ACCEPT);
    const small = new PageConnection(`${at}/`, ACCEPT);
    for (let i = 0; i < 3; i++) {
      expect(await get(conn, opts({ maxBytes: 1 << 22 }))).toBe(`42:${big}`);
      expect(await get(small)).toBe(`42:${PAGE}`);
    }
    conn.destroy();
    small.destroy();
    srv.closeAllConnections();
    await new Promise((r) => srv.close(r));
  });
});
