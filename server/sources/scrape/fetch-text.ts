import { get as httpGet, type Agent } from 'node:http';
import { get as httpsGet } from 'node:https';
import type { PageConnection } from './page-connection.js';

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
export interface FetchOptions {
  timeout: number;
  maxBytes: number;
  /** Aborts the scrape (stop()). */
  signal?: AbortSignal;
  /** A keep-alive agent of the target's own (http or https, as its URL), so a scrape reuses the connection. */
  agent?: Agent;
  /** For an http URL, the target's own connection (page-connection.ts): read off the socket, without node:http's client. */
  connection?: PageConnection;
  now?: () => number;
}

/** fetchPage's body decoded as UTF-8. */
export async function fetchText(url: string, options: FetchOptions): Promise<{ text: string; at: number }> {
  const { body, at } = await fetchPage(url, options);
  return { text: body.toString('utf8'), at };
}

/** GETs a metrics page as bytes, undecoded (see fetchText): a page plan (page-plan.ts) reads it as Latin-1 when its layout held. */
export function fetchPage(url: string, { timeout, maxBytes, signal, agent, connection, now = Date.now }: FetchOptions): Promise<{ body: Buffer; at: number }> {
  if (connection) {
    return new Promise((resolve, reject) => {
      connection.get({ timeout, maxBytes, signal, now }, (problem, body, at) => (problem === null ? resolve({ body: body!, at: at! }) : reject(new ScrapeError(problem))));
    });
  }
  // node:http rather than fetch(): a 100 KB page through fetch's web streams cost
  // Vigil about 3.5 ms more CPU per scrape (scripts/bench-scrape.ts).
  return new Promise((resolve, reject) => {
    let at = 0;
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onStop);
      req.destroy();
      reject(new ScrapeError(why));
    };
    const onStop = () => fail('stopped');
    const timer = setTimeout(() => fail(at ? `no complete answer within ${timeout} ms` : `no answer within ${timeout} ms`), timeout);
    const get = url.startsWith('https:') ? httpsGet : httpGet;
    const req = get(url, { headers: { accept: ACCEPT, 'user-agent': 'vigil-scrape' }, agent: agent ?? false }, (res) => {
      at = now();
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 299) return fail(`HTTP ${status}`);
      const type = res.headers['content-type'] ?? '';
      if (type && !/^(text\/plain|application\/openmetrics-text)\b/i.test(type)) return fail(`content type ${JSON.stringify(type.slice(0, 60))} is not the text format`);
      const length = Number(res.headers['content-length'] ?? NaN);
      if (length > maxBytes) return fail(`body of ${length} bytes is over ${maxBytes}`);
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        // The text format never holds a NUL: binary garbage fails on its first chunk, unread.
        if (bytes === 0 && chunk.includes(0)) return fail('binary data, not the text format');
        bytes += chunk.length;
        if (bytes > maxBytes) return fail(`body over ${maxBytes} bytes`);
        chunks.push(chunk);
      });
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onStop);
        resolve({ body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, bytes), at });
      });
      res.on('error', (err) => fail(`read failed (${causeOf(err)})`));
    });
    req.on('error', (err) => fail(at ? `read failed (${causeOf(err)})` : `unreachable (${causeOf(err)})`));
    if (signal?.aborted) fail('stopped');
    else signal?.addEventListener('abort', onStop, { once: true });
  });
}

function causeOf(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return String(e?.code ?? e?.message ?? err).slice(0, 80);
}
