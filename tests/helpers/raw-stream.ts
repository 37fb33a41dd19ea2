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
