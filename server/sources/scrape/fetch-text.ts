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
  const abort = AbortSignal.any([AbortSignal.timeout(timeout), ...(signal ? [signal] : [])]);
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
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let text = '';
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (bytes > maxBytes) throw new ScrapeError(`body over ${maxBytes} bytes`);
      text += decoder.decode(value, { stream: true });
    }
  } catch (err) {
    await reader.cancel().catch(() => undefined);
    if (err instanceof ScrapeError) throw err;
    throw new ScrapeError(abort.aborted ? `no complete answer within ${timeout} ms` : `read failed (${causeOf(err)})`);
  }
  return text + decoder.decode();
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return String(cause?.code ?? cause?.message ?? (err as Error)?.message ?? err).slice(0, 80);
}
