/** Why a scrape failed, as one short phrase for the state-change log line. */
export class ScrapeError extends Error {}

/** What a scrape asks for: OpenMetrics first (typed counters, `_created`), then the 0.0.4 text. */
export const ACCEPT = 'application/openmetrics-text;version=1.0.0;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/**
 * GETs a metrics page as text within `timeout` ms and `maxBytes` bytes; throws
 * ScrapeError saying what went wrong (timeout, refused, status, too large, not text).
 * `at` is when the answer's headers came (by `now`): closer to the moment the
 * target read its counters than when we asked, so a target slow to collect
 * does not bend the rates.
 */
export async function fetchText(url: string, timeout: number, maxBytes: number, signal?: AbortSignal, now: () => number = Date.now): Promise<{ text: string; at: number }> {
  // Our own controller and timer: a signal from AbortSignal.any() over AbortSignal.timeout()
  // can be collected before it fires (Node 20), and a hanging target would then hang us.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeout);
  const onStop = () => abort.abort();
  signal?.addEventListener('abort', onStop, { once: true });
  try {
    return await get(url, timeout, maxBytes, abort.signal, now);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onStop);
  }
}

async function get(url: string, timeout: number, maxBytes: number, abort: AbortSignal, now: () => number): Promise<{ text: string; at: number }> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: ACCEPT, 'user-agent': 'vigil-scrape' }, signal: abort, redirect: 'error' });
  } catch (err) {
    throw new ScrapeError(abort.aborted ? `no answer within ${timeout} ms` : `unreachable (${causeOf(err)})`);
  }
  const at = now();
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new ScrapeError(`HTTP ${res.status}`);
  }
  const type = res.headers.get('content-type') ?? '';
  if (type && !/^(text\/plain|application\/openmetrics-text)\b/i.test(type)) {
    await res.body?.cancel().catch(() => undefined);
    throw new ScrapeError(`content type ${JSON.stringify(type.slice(0, 60))} is not the text format`);
  }
  const length = Number(res.headers.get('content-length') ?? NaN);
  if (length > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new ScrapeError(`body of ${length} bytes is over ${maxBytes}`);
  }
  return { text: await readCapped(res, maxBytes, timeout, abort), at };
}

async function readCapped(res: Response, maxBytes: number, timeout: number, abort: AbortSignal): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // The text format never holds a NUL: binary garbage fails on its first chunk, unread.
      if (bytes === 0 && value.includes(0)) throw new ScrapeError('binary data, not the text format');
      bytes += value.byteLength;
      if (bytes > maxBytes) throw new ScrapeError(`body over ${maxBytes} bytes`);
      chunks.push(value);
    }
  } catch (err) {
    await reader.cancel().catch(() => undefined);
    if (err instanceof ScrapeError) throw err;
    throw new ScrapeError(abort.aborted ? `no complete answer within ${timeout} ms` : `read failed (${causeOf(err)})`);
  }
  return Buffer.concat(chunks, bytes).toString('utf8');
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return String(cause?.code ?? cause?.message ?? (err as Error)?.message ?? err).slice(0, 80);
}
