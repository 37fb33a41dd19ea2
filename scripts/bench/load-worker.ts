/**
 * A load-generator process, driven over IPC by bench-fanout/bench-connect. It
 * holds many clients of one kind and measures what they receive:
 * - `sse`: raw HTTP/1.1 keep-alive requests (node:http, no EventSource), the
 *   body split into frames on blank lines; latency = now - the `"t":` in a
 *   non-snapshot frame's data.
 * - `sio`: socket.io-client 2.x (matching express-status-monitor's server), websocket
 *   transport; latency = now - `sentAt` of the 1 s `esm_stats`.
 * Bytes are counted on the TCP socket (bytesRead), so framing is included.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { createRequire } from 'node:module';
import { MsHistogram } from './stats.js';

export type Kind = 'sse' | 'sio';
export type ToWorker =
  | { type: 'open'; url: string; kind: Kind; count: number; concurrency: number; timeoutMs: number }
  | { type: 'reset' }
  | { type: 'report' }
  | { type: 'close' };
export type OpenResult = { type: 'opened'; ready: number; failed: number; firstError: string | null; readyAtMs: number[]; firstFrameBytes: number[] };
export type Report = { type: 'report'; hist: Array<[number, number]>; events: number; bytes: number; alive: number; dropped: number };
export type FromWorker = { type: 'progress'; ready: number; failed: number } | OpenResult | Report;

interface Client {
  socket: () => Socket | null;
  close: () => void;
  alive: boolean;
  ready: boolean;
}

const send = (m: FromWorker) => process.send!(m);
const clients: Client[] = [];
let hist = new MsHistogram();
let events = 0;
let dropped = 0;
let measuring = false;
let bytesAtReset = 0;

const bytesRead = () => clients.reduce((s, c) => s + (c.socket()?.bytesRead ?? 0), 0);
const seen = (latency: number) => {
  events++;
  if (measuring) hist.add(latency);
};

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

function openSse(url: string, onReady: (bytes: number) => void, onFail: (e: Error) => void): Client {
  let sock: Socket | null = null;
  let ready = false;
  const c: Client = { socket: () => sock, close: () => req.destroy(), alive: true, ready: false };
  const req = http.get(url, { agent, headers: { Accept: 'text/event-stream' } }, (res) => {
    if (res.statusCode !== 200) {
      onFail(new Error(`HTTP ${res.statusCode}`));
      res.resume();
      return;
    }
    sock = res.socket;
    res.setEncoding('utf8');
    let buf = '';
    res.on('data', (chunk: string) => {
      let from = Math.max(0, buf.length - 1);
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n\n', from)) >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        from = 0;
        // Ready at the first frame with data (Vigil: the snapshot), not at `retry:` or a comment.
        if (!ready && frame.includes('data: ')) {
          ready = c.ready = true;
          onReady(Buffer.byteLength(frame) + 2);
        }
        if (frame.startsWith(':') || frame.includes('event: snapshot')) continue;
        const at = frame.indexOf('\ndata: {"t":');
        if (at < 0) continue;
        const t = Number(frame.slice(at + 12, frame.indexOf(',', at + 12)));
        if (t > 0) seen(Date.now() - t);
      }
    });
    res.on('error', () => {
      /* a cut stream; counted on close */
    });
    res.on('close', () => {
      if (c.alive && c.ready) dropped++;
      c.alive = false;
    });
  });
  req.on('error', (e) => {
    if (!ready) onFail(e);
    c.alive = false;
  });
  return c;
}

type SioSocket = {
  on: (ev: string, fn: (...a: unknown[]) => void) => void;
  close: () => void;
  io: { engine: { transport?: { ws?: { _socket?: Socket } } } };
};
const sioConnect = createRequire(import.meta.url)('socket.io-client') as (url: string, opts: Record<string, unknown>) => SioSocket;

function openSio(url: string, onReady: (bytes: number) => void, onFail: (e: Error) => void): Client {
  let ready = false;
  const s = sioConnect(url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 120_000 });
  const c: Client = { socket: () => s.io.engine.transport?.ws?._socket ?? null, close: () => s.close(), alive: true, ready: false };
  s.on('esm_start', (spans) => {
    if (ready) return;
    ready = c.ready = true;
    // The wire form of a socket.io 2 event packet: `42["esm_start",<json>]`.
    onReady(Buffer.byteLength(`42${JSON.stringify(['esm_start', spans])}`));
  });
  s.on('esm_stats', (data) => {
    const d = data as { interval: number; sentAt: number };
    if (d.interval === 1 && d.sentAt > 0) seen(Date.now() - d.sentAt);
  });
  s.on('connect_error', (e) => {
    if (!ready) onFail(e as Error);
    c.alive = false;
  });
  s.on('disconnect', () => {
    if (c.alive && ready) dropped++;
    c.alive = false;
  });
  return c;
}

async function open(m: Extract<ToWorker, { type: 'open' }>): Promise<OpenResult> {
  const start = performance.now();
  let next = 0;
  let ready = 0;
  let failed = 0;
  let firstError: string | null = null;
  const readyAtMs: number[] = [];
  const firstFrameBytes: number[] = [];
  const progress = setInterval(() => send({ type: 'progress', ready, failed }), 250);
  await new Promise<void>((resolve) => {
    const deadline = setTimeout(resolve, m.timeoutMs);
    const done = () => {
      if (ready + failed >= m.count) {
        clearTimeout(deadline);
        resolve();
      } else if (next < m.count) launch();
    };
    const launch = () => {
      next++;
      let settled = false;
      const onReady = (bytes: number) => {
        if (settled) return;
        settled = true;
        ready++;
        readyAtMs.push(performance.now() - start);
        firstFrameBytes.push(bytes);
        done();
      };
      const onFail = (e: Error) => {
        if (settled) return;
        settled = true;
        failed++;
        firstError ??= e.message;
        done();
      };
      clients.push(m.kind === 'sse' ? openSse(m.url, onReady, onFail) : openSio(m.url, onReady, onFail));
    };
    for (let i = 0; i < Math.min(m.concurrency, m.count); i++) launch();
  });
  clearInterval(progress);
  // Clients still connecting at the deadline are closed, so they cost nothing during the measurement.
  let late = 0;
  for (const c of clients) {
    if (!c.ready && c.alive) {
      c.alive = false;
      c.close();
      late++;
    }
  }
  if (late) firstError ??= `${late} not ready within ${m.timeoutMs} ms`;
  return { type: 'opened', ready, failed: failed + late, firstError, readyAtMs, firstFrameBytes };
}

process.on('message', async (m: ToWorker) => {
  if (m.type === 'open') send(await open(m));
  else if (m.type === 'reset') {
    hist = new MsHistogram();
    events = 0;
    dropped = 0;
    measuring = true;
    bytesAtReset = bytesRead();
  } else if (m.type === 'report') {
    send({ type: 'report', hist: hist.pairs(), events, bytes: bytesRead() - bytesAtReset, alive: clients.filter((c) => c.alive).length, dropped });
  } else if (m.type === 'close') {
    for (const c of clients) c.close();
    agent.destroy();
    setTimeout(() => process.exit(0), 200);
  }
});
process.on('disconnect', () => process.exit(0));
