import net from 'node:net';

export interface RawStream {
  status: number;
  headers: Headers;
  /** Every byte received so far, decoded. */
  readonly text: string;
  /** Settles when the body ends: 'end' for a clean end, 'error' for a reset or abort. */
  readonly ended: Promise<'end' | 'error'>;
  /** Resolves once `pred(text)` holds; rejects after `timeout` ms or if the body ends first. */
  waitFor(pred: (text: string) => boolean, timeout?: number, what?: string): Promise<void>;
  close(): void;
}

/**
 * A stream read as bytes with fetch, for what EventSource hides: comment lines
 * (heartbeats), `retry:`, and how the body ended.
 */
export async function openRaw(url: string, headers: Record<string, string> = {}): Promise<RawStream> {
  const ctl = new AbortController();
  const res = await fetch(url, { headers, signal: ctl.signal });
  let text = '';
  let waiters: Array<() => void> = [];
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  let finished: 'end' | 'error' | null = null;
  const ended = (async (): Promise<'end' | 'error'> => {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return 'end';
        text += decoder.decode(value, { stream: true });
        wake();
      }
    } catch {
      return 'error';
    }
  })().then((how) => {
    finished = how;
    wake();
    return how;
  });
  return {
    status: res.status,
    headers: res.headers,
    get text() {
      return text;
    },
    ended,
    waitFor(pred, timeout = 10_000, what = 'condition') {
      if (pred(text)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => fail(`timed out after ${timeout} ms waiting for ${what}`), timeout);
        const fail = (why: string) => {
          clearTimeout(timer);
          waiters = waiters.filter((w) => w !== check);
          reject(new Error(`${why}; got ${text.length} chars`));
        };
        const check = () => {
          if (pred(text)) {
            clearTimeout(timer);
            waiters = waiters.filter((w) => w !== check);
            resolve();
          } else if (finished) fail(`stream ended (${finished}) before ${what}`);
        };
        waiters.push(check);
      });
    },
    close: () => ctl.abort(),
  };
}

/**
 * A client that sends a stream request and then stops reading: its socket is
 * paused after the response head, so everything the server writes piles up in
 * the kernel buffers and then in the server's `res.writableLength`.
 */
export async function openStalled(url: string): Promise<{ socket: net.Socket; received: () => number; drain: () => Promise<void> }> {
  const u = new URL(url);
  const socket = net.connect(Number(u.port), u.hostname);
  let bytes = 0;
  let head = '';
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.write(`GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nAccept: text/event-stream\r\n\r\n`);
    });
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      head += chunk.toString('latin1');
      if (head.includes('\r\n\r\n')) {
        socket.pause();
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
  });
  socket.on('error', () => {});
  return {
    socket,
    received: () => bytes,
    /** Reads everything left until the server's end of the connection. */
    drain: () =>
      new Promise<void>((resolve) => {
        socket.on('data', (c: Buffer) => (bytes += c.length));
        socket.once('close', () => resolve());
        socket.resume();
      }),
  };
}
