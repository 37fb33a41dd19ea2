import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startVigil, type Running } from './helpers/server.js';
import { openRaw, type RawStream } from './helpers/raw-stream.js';
import { until } from './helpers/until.js';

let srv: Running | null = null;
const raws: RawStream[] = [];
afterEach(async () => {
  for (const r of raws.splice(0)) r.close();
  await srv?.stop();
  srv = null;
});

/** One socket, `n` stream requests written at once (pipelined); resolves once the first response head is in. */
async function pipeline(url: string, n: number): Promise<net.Socket> {
  const u = new URL(url);
  const socket = net.connect(Number(u.port), u.hostname);
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const one = `GET /api/stream?channels=process HTTP/1.1\r\nHost: ${u.host}\r\nAccept: text/event-stream\r\n\r\n`;
  socket.write(one.repeat(n));
  await new Promise<void>((resolve) => {
    let got = '';
    const onData = (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('\r\n\r\n')) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
  });
  return socket;
}

describe('pipelined stream requests on one socket', () => {
  it('leave no phantom clients once the socket closes, so the slots are free at once', { timeout: 60_000 }, async () => {
    const MAX = 60;
    srv = await startVigil({ maxClients: MAX, heartbeat: 0 });
    const stream = srv.vigil.stream;
    const socket = await pipeline(srv.url, 50);
    // Only the first is served: the others wait behind a response that never ends.
    await until(() => stream.clients >= 1, 'the first stream');
    expect(stream.clients).toBe(1);
    socket.destroy();
    await until(() => stream.clients === 0, 'the pipelined clients to go', 5000);

    // Every slot can be had again.
    raws.push(...(await Promise.all(Array.from({ length: MAX }, () => openRaw(srv!.url + '/api/stream?channels=process&history=0')))));
    expect(raws.map((r) => r.status)).toEqual(Array(MAX).fill(200));
    expect(stream.clients).toBe(MAX);
  });

  it('a pipelined stream request counts for nothing while it waits', async () => {
    srv = await startVigil({ maxClients: 5, heartbeat: 0 });
    const stream = srv.vigil.stream;
    const sockets = await Promise.all(Array.from({ length: 5 }, () => pipeline(srv!.url, 20)));
    await until(() => stream.clients === 5, 'one stream per socket');
    await new Promise((r) => setTimeout(r, 200));
    expect(stream.clients).toBe(5);
    for (const s of sockets) s.destroy();
    await until(() => stream.clients === 0, 'every client to go', 5000);
  });

  it('a stream request pipelined behind a plain one streams once that is answered', async () => {
    srv = await startVigil({ heartbeat: 0 });
    const stream = srv.vigil.stream;
    const socket = net.connect(Number(new URL(srv.url).port), '127.0.0.1');
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /api/stream HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => text.includes('event: snapshot'), 'the snapshot after the health answer');
    expect(stream.clients).toBe(1);
    socket.destroy();
    await until(() => stream.clients === 0, 'the client to go', 5000);
  });
});
