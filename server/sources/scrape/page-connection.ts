import { connect, type Socket } from 'node:net';

/*
 * One target's kept-alive HTTP/1.1 connection, for GETs of its metrics page
 * one at a time: the request's bytes made once, the answer read straight off
 * the socket. node:http's client cost a scrape of an 88 KiB page about 0.5 ms
 * more CPU than this (ClientRequest, agent, IncomingMessage and its stream;
 * scripts/bench-scrape.ts, the fetch row). What it reads: a status line and
 * headers (at most 64 KiB; 1xx answers skipped), then a body by
 * Content-Length, chunked (extensions and trailers skipped), or up to the
 * close; HTTP/1.0 and `Connection: close` answers close the connection. A
 * kept-alive connection the target closed while idle is opened again, and an
 * answer that never began on a reused connection is asked for once more on
 * a new one (a GET may be). Plain http only: https goes through node:https.
 */

const HEAD_MAX = 64 << 10;
const CHUNK_LINE_MAX = 1024;

export interface GetOptions {
  timeout: number;
  maxBytes: number;
  signal?: AbortSignal;
  now: () => number;
}

/** How a get ends: a phrase saying why it failed, or the body and when its headers came. */
export type GetDone = (problem: string | null, body?: Buffer, at?: number) => void;

const enum Body {
  Length,
  Chunked,
  Close,
}
const enum Chunk {
  Size,
  Data,
  DataEnd,
  Trailer,
}

interface Job {
  o: GetOptions;
  done: GetDone;
  timer: NodeJS.Timeout;
  onStop: () => void;
  /** When the headers came (0: not yet). */
  at: number;
  /** Sent on a connection that had answered before; retried once on a new one if nothing came back. */
  reused: boolean;
  retried: boolean;
  got: number;
  head: Buffer | null;
  body: Body;
  /** Bytes left of the body (Length) or of the chunk (Chunked). */
  left: number;
  chunk: Chunk;
  line: string;
  pieces: Buffer[];
  bytes: number;
  keep: boolean;
}

export class PageConnection {
  private socket: Socket | null = null;
  private job: Job | null = null;
  /** Answers the current socket gave. */
  private served = 0;
  private readonly host: string;
  private readonly port: number;
  private readonly request: Buffer;

  constructor(url: string, accept: string) {
    const u = new URL(url);
    this.host = u.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = Number(u.port || 80);
    this.request = Buffer.from(`GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nAccept: ${accept}\r\nUser-Agent: vigil-scrape\r\nConnection: keep-alive\r\n\r\n`, 'latin1');
  }

  /** GETs the page; `done` is called once. One get at a time. */
  get(o: GetOptions, done: GetDone): void {
    if (this.job) return done('a scrape is already running');
    const job: Job = { o, done, timer: null!, onStop: () => this.fail(job, 'stopped'), at: 0, reused: false, retried: false, got: 0, head: null, body: Body.Close, left: 0, chunk: Chunk.Size, line: '', pieces: [], bytes: 0, keep: true };
    if (o.signal?.aborted) return done('stopped');
    this.job = job;
    job.timer = setTimeout(() => this.fail(job, job.at ? `no complete answer within ${o.timeout} ms` : `no answer within ${o.timeout} ms`), o.timeout);
    o.signal?.addEventListener('abort', job.onStop, { once: true });
    this.send(job);
  }

  destroy(): void {
    if (this.job) this.fail(this.job, 'stopped');
    this.drop();
  }

  private send(job: Job): void {
    if (!this.socket) this.open();
    job.reused = this.served > 0;
    this.socket!.ref();
    this.socket!.write(this.request);
  }

  private open(): void {
    const s = connect({ host: this.host, port: this.port });
    s.setNoDelay(true);
    s.setKeepAlive(true, 1000);
    s.on('data', (chunk: Buffer) => (s === this.socket ? this.onData(chunk) : undefined));
    s.on('error', (err) => s === this.socket && this.onClose(codeOf(err), false));
    s.on('close', () => s === this.socket && this.onClose('ECONNRESET', false));
    // The target ended the connection (FIN): the end of a body read to the close.
    s.on('end', () => s === this.socket && this.onClose('ECONNRESET', true));
    this.socket = s;
    this.served = 0;
  }

  private drop(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  /** The socket closed or failed: the end of a body read to the close, or a failure (retried once when nothing came on a reused connection). */
  private onClose(code: string, ended: boolean): void {
    const job = this.job;
    this.drop();
    if (!job) return;
    if (ended && job.at && job.body === Body.Close) return this.finish(job);
    if (job.got === 0 && job.reused && !job.retried) {
      job.retried = true;
      return this.send(job);
    }
    this.fail(job, job.at ? `read failed (${code})` : `unreachable (${code})`);
  }

  private onData(chunk: Buffer): void {
    const job = this.job;
    if (!job) return this.drop(); // bytes nobody asked for: the connection is not to be trusted
    job.got += chunk.length;
    let rest: Buffer | null = chunk;
    if (!job.at) {
      rest = this.readHead(job, chunk);
      if (!rest || this.job !== job) return;
    }
    if (job.body === Body.Chunked) this.readChunked(job, rest);
    else this.take(job, rest);
    if (this.job === job && job.body === Body.Length && job.left === 0) this.finish(job);
  }

  /** Reads the status line and headers; returns what follows them, or null when they are not all here yet (or failed). */
  private readHead(job: Job, chunk: Buffer): Buffer | null {
    for (;;) {
      const buf = job.head ? Buffer.concat([job.head, chunk]) : chunk;
      const h = buf.indexOf('\r\n\r\n');
      if (h < 0) {
        if (buf.length > HEAD_MAX) this.fail(job, `answer headers over ${HEAD_MAX} bytes`);
        else job.head = buf;
        return null;
      }
      job.head = null;
      const rest = buf.subarray(h + 4);
      const status = this.headers(job, buf.toString('latin1', 0, h));
      if (status === null) return null;
      if (status >= 200) return rest;
      chunk = rest; // a 1xx answer: the real one follows
    }
  }

  /** Reads a head: the status (null when failed), and the body's framing into the job. */
  private headers(job: Job, head: string): number | null {
    const lines = head.split('\r\n');
    const m = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]);
    if (!m) return this.fail(job, 'not an HTTP answer'), null;
    const status = Number(m[2]);
    if (status < 200) return status === 101 ? (this.fail(job, 'HTTP 101'), null) : status;
    job.at = job.o.now();
    if (status > 299) return this.fail(job, `HTTP ${status}`), null;
    let type = '';
    let length = -1;
    let chunked = false;
    let close = m[1] === '0';
    for (let i = 1; i < lines.length; i++) {
      const c = lines[i].indexOf(':');
      if (c <= 0) continue;
      const name = lines[i].slice(0, c).trim().toLowerCase();
      const value = lines[i].slice(c + 1).trim();
      if (name === 'content-type') type ||= value;
      else if (name === 'content-length') length = /^\d{1,15}$/.test(value) ? Number(value) : -2;
      else if (name === 'transfer-encoding') chunked = /(^|,)\s*chunked\s*$/i.test(value);
      else if (name === 'connection') close = /\bclose\b/i.test(value) || (m[1] === '0' && !/\bkeep-alive\b/i.test(value));
    }
    if (type && !/^(text\/plain|application\/openmetrics-text)\b/i.test(type)) return this.fail(job, `content type ${JSON.stringify(type.slice(0, 60))} is not the text format`), null;
    if (length === -2 && !chunked) return this.fail(job, 'read failed (bad Content-Length)'), null;
    if (length > job.o.maxBytes && !chunked) return this.fail(job, `body of ${length} bytes is over ${job.o.maxBytes}`), null;
    job.keep = !close;
    if (chunked) job.body = Body.Chunked;
    else if (length >= 0 || status === 204) (job.body = Body.Length), (job.left = status === 204 ? 0 : length);
    else (job.body = Body.Close), (job.keep = false);
    return status;
  }

  /** Takes body bytes (up to the length left, for a body by Content-Length). */
  private take(job: Job, data: Buffer): void {
    if (job.body === Body.Length) {
      if (data.length > job.left) {
        job.keep = false; // more than the answer: not to be trusted again
        data = data.subarray(0, job.left);
      }
      job.left -= data.length;
    }
    if (data.length === 0) return;
    // The text format never holds a NUL: binary garbage fails on its first piece, unread.
    if (data.includes(0)) return this.fail(job, 'binary data, not the text format');
    job.bytes += data.length;
    if (job.bytes > job.o.maxBytes) return this.fail(job, `body over ${job.o.maxBytes} bytes`);
    job.pieces.push(data);
  }

  private readChunked(job: Job, data: Buffer): void {
    let i = 0;
    while (i < data.length && this.job === job) {
      if (job.chunk === Chunk.Data) {
        const n = Math.min(job.left, data.length - i);
        this.take(job, data.subarray(i, i + n));
        i += n;
        job.left -= n;
        if (job.left === 0) job.chunk = Chunk.DataEnd;
        continue;
      }
      const nl = data.indexOf(10, i);
      const end = nl < 0 ? data.length : nl;
      job.line += data.toString('latin1', i, end);
      i = end + 1;
      if (job.line.length > CHUNK_LINE_MAX) return this.fail(job, 'read failed (bad chunk)');
      if (nl < 0) return;
      const line = job.line.trim();
      job.line = '';
      if (job.chunk === Chunk.DataEnd) {
        if (line !== '') return this.fail(job, 'read failed (bad chunk)');
        job.chunk = Chunk.Size;
      } else if (job.chunk === Chunk.Trailer) {
        if (line === '') return this.finish(job, data.length - i);
      } else {
        const size = /^[0-9a-fA-F]{1,12}$/.exec(line.split(';')[0].trim());
        if (!size) return this.fail(job, 'read failed (bad chunk)');
        job.left = parseInt(size[0], 16);
        job.chunk = job.left === 0 ? Chunk.Trailer : Chunk.Data;
      }
    }
  }

  /** The whole answer is in: hands over the body; `extra` bytes after it make the connection untrusted. */
  private finish(job: Job, extra = 0): void {
    this.settle(job);
    this.served++;
    if (!job.keep || extra > 0) this.drop();
    else this.socket?.unref();
    job.done(null, job.pieces.length === 1 ? job.pieces[0] : Buffer.concat(job.pieces, job.bytes), job.at);
  }

  private fail(job: Job, why: string): void {
    if (this.job !== job) return;
    this.settle(job);
    this.drop();
    job.done(why);
  }

  private settle(job: Job): void {
    this.job = null;
    clearTimeout(job.timer);
    job.o.signal?.removeEventListener('abort', job.onStop);
  }
}

function codeOf(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return String(e?.code ?? e?.message ?? err).slice(0, 80);
}
