import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Snapshot, StatusEvent, StreamTick } from '../shared/schema.js';
import { capturedLogger } from './helpers/log-capture.js';
import { startVigil, type Running } from './helpers/server.js';
import { SseRecorder } from './helpers/sse.js';

/*
 * Arbitrary bodies, queries and headers thrown at a real server, 50 at a time
 * over a keep-alive agent: every answer is 2xx or 4xx, no answer or log line
 * ever carries a token or an Authorization header, and a stream that stays
 * connected throughout still parses event by event with the shared schemas.
 */

const INGEST = 'fuzz-ingest-token-0123456789';
const READ = 'fuzz-read-token-9876543210';
const RUNS = 200;
const PER_RUN = 50;

let srv: Running;
let pageDir: string;
// debug: health probes are logged there, and a token must not reach a log at any level.
const log = capturedLogger('debug');
const agent = new http.Agent({ keepAlive: true, maxSockets: 24 });
const sentTokens = new Set<string>([INGEST, READ]);
/** The real tokens and the fake ones the fuzz makes up; any of them in a log line is a leak. */
const TOKEN_LIKE = /ftok[A-Za-z0-9]{20}|fuzz-ingest-token-0123456789|fuzz-read-token-9876543210/g;
const statuses = new Map<number, number>();
let recorder: SseRecorder;
let raw: { text: string; req: http.ClientRequest };

beforeAll(async () => {
  // A real page dir, so unknown paths end in 404 rather than "page not built" (503).
  pageDir = mkdtempSync(join(tmpdir(), 'vigil-fuzz-'));
  mkdirSync(join(pageDir, 'assets'));
  writeFileSync(join(pageDir, 'index.html'), '<!doctype html><title>Vigil</title><script type="module" src="./assets/app.js"></script>');
  writeFileSync(join(pageDir, 'assets', 'app.js'), 'export {};');
  srv = await startVigil(
    // Short history: every valid stream or snapshot request builds a full snapshot of up to 300 series.
    { ingestToken: INGEST, readToken: READ, ingestRate: 0, maxSeries: 300, history: 20, bodyLimit: 16_384, maxMetricsPerRequest: 20, ingestCoalesce: 50, logLevel: 'info', corsOrigins: 'https://ok.example' },
    { logger: log.logger, pageDir },
  );
  recorder = new SseRecorder(`${srv.url}/api/stream?token=${READ}`);
  await recorder.waitFor((r) => r.events.length >= 1);
  raw = { text: '', req: http.get(`${srv.url}/api/stream?token=${READ}`, (res) => res.setEncoding('utf8').on('data', (d: string) => (raw.text += d))) };
  raw.req.on('error', () => {});
});

afterAll(async () => {
  recorder?.close();
  raw?.req.destroy();
  agent.destroy();
  await srv?.stop();
  rmSync(pageDir, { recursive: true, force: true });
});

interface Spec {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

// --- arbitraries -------------------------------------------------------------
const visible = (max: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: max });
const headerValue = fc.oneof(visible(80), fc.string({ unit: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 10 }));
const fakeToken = fc.stringMatching(/^[A-Za-z0-9]{20}$/).map((s) => 'ftok' + s);
const token = fc.oneof(fc.constant(INGEST), fc.constant(READ), fakeToken, visible(30));
const authorization = fc.oneof(
  token.map((t) => `Bearer ${t}`),
  token.map((t) => `bearer  ${t} `),
  token.map((t) => `Basic ${t}`),
  headerValue,
);
const metricName = fc.oneof(
  fc.stringMatching(/^[a-z0-9_]{1,12}(\.[a-z0-9_]{1,12}){0,3}$/),
  fc.string({ maxLength: 140 }),
  fc.constantFrom('a'.repeat(129), 'host.cpu.total', 'A', 'a..b', 'a\nevent: x', 'a\u2028b', '', 'ok.name'),
);
const metric = fc.record(
  {
    name: metricName,
    value: fc.oneof(fc.double(), fc.integer(), fc.string({ maxLength: 10 }), fc.constant(null), fc.boolean(), fc.constantFrom('NaN', 'Infinity')),
    unit: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('ms', '\u0000', '%\n', 'tok/s', '\r\n\r\ndata: x')),
    t: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 5 }), fc.integer({ min: -400_000, max: 400_000 }).map((d) => Date.now() + d)),
  },
  { requiredKeys: [] },
);
const group = fc.record(
  { source: fc.oneof(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), fc.string({ maxLength: 70 })), metrics: fc.array(metric, { maxLength: 6 }) },
  { requiredKeys: [] },
);
const weirdNumber = fc.constantFrom('1e400', '-1e400', 'NaN', '"NaN"', 'Infinity', '1e-400', '0x10', '-0', '9007199254740993', '01');
const body = fc.oneof(
  { weight: 4, arbitrary: group.map((g) => JSON.stringify(g)) },
  { weight: 2, arbitrary: fc.array(group, { maxLength: 4 }).map((g) => JSON.stringify(g)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.tuple(metricName, weirdNumber).map(([n, w]) => `{"metrics":[{"name":${JSON.stringify(n)},"value":${w}}]}`) },
  { weight: 1, arbitrary: fc.constant(`{"metrics":[{"name":"big","value":1}],"pad":"${'x'.repeat(20_000)}"}`) },
  { weight: 1, arbitrary: fc.array(fc.constant({ name: 'many', value: 1 }), { minLength: 21, maxLength: 30 }).map((m) => JSON.stringify({ metrics: m })) },
);
const queryValue = fc.oneof(
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.constantFrom('%', '%zz', '%E0%A4%A', '%0d%0aevent:%20x', 'host,app', 'host,nope', READ, INGEST, ''),
  token.map(encodeURIComponent),
);
const query = fc
  .array(fc.tuple(fc.constantFrom('channels', 'sources', 'lastEventId', 'token', 'x', 'token[]', '__proto__'), queryValue), { maxLength: 4 })
  .map((kv) => (kv.length ? '?' + kv.map(([k, v]) => `${k}=${v}`).join('&') : ''));
const path = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('/api/ingest', '/api/snapshot', '/api/channels', '/api/stream', '/metrics', '/healthz', '/readyz', '/', '/index.html', '/assets/app.js') },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((s) => '/' + encodeURIComponent(s)) },
  { weight: 1, arbitrary: fc.constantFrom('/%', '/%zz/..', '/../../etc/passwd', '/api/%E0%A4%A', '//api//ingest', '/assets/../index.html') },
);
const extraHeaders = fc.dictionary(fc.stringMatching(/^x-[a-z0-9-]{1,15}$/), headerValue, { maxKeys: 3 });
// Mostly-valid pushes with the real token, so the fuzz also reaches validation's depth and recording.
// Mostly a fixed set of names (as a real producer has), so the cardinality cap is reached only now and then.
const validName = fc.oneof(
  { weight: 9, arbitrary: fc.constantFrom(...Array.from({ length: 20 }, (_, i) => `svc.metric_${i}`)) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_]{0,10}(\.[a-z0-9_]{1,10}){0,2}$/).filter((n) => !/^(host|process|http)\./.test(n)) },
);
const validGroup = fc.record(
  {
    source: fc.constantFrom('llm-1', 'llm-2', 'gpu-a', undefined),
    metrics: fc.array(
      fc.record({ name: validName, value: fc.double({ noNaN: true, noDefaultInfinity: true }), unit: fc.constantFrom('ms', 'tok/s', '%', '', undefined) }),
      { minLength: 1, maxLength: 5 },
    ),
  },
  { requiredKeys: ['metrics'] },
);
const ingestSpec: fc.Arbitrary<Spec> = fc
  .record({
    auth: fc.oneof({ weight: 8, arbitrary: fc.constant(`Bearer ${INGEST}`) }, { weight: 1, arbitrary: authorization }),
    body: fc.oneof({ weight: 5, arbitrary: validGroup.map((g) => JSON.stringify(g)) }, { weight: 1, arbitrary: fc.array(validGroup, { minLength: 1, maxLength: 3 }).map((g) => JSON.stringify(g)) }, { weight: 3, arbitrary: body }),
    query,
  })
  .map((r) => ({ method: 'POST', path: '/api/ingest' + r.query, headers: { authorization: r.auth, 'content-type': 'application/json' }, body: r.body }));

const anySpec: fc.Arbitrary<Spec> = fc
  .record({
    method: fc.constantFrom('GET', 'GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD'),
    path,
    query,
    authorization: fc.option(authorization, { freq: 3 }),
    contentType: fc.option(fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=nope'), { freq: 5 }),
    lastEventId: fc.option(headerValue, { freq: 4 }),
    origin: fc.option(fc.constantFrom('https://ok.example', 'https://evil.example', 'null'), { freq: 4 }),
    requestId: fc.option(headerValue, { freq: 4 }),
    extra: extraHeaders,
    body,
  })
  .map((r) => {
    const headers: Record<string, string> = { ...r.extra };
    if (r.authorization !== null) headers.authorization = r.authorization;
    if (r.contentType !== null) headers['content-type'] = r.contentType;
    if (r.lastEventId !== null) headers['last-event-id'] = r.lastEventId;
    if (r.origin !== null) headers.origin = r.origin;
    if (r.requestId !== null) headers['x-request-id'] = r.requestId;
    const hasBody = r.method === 'POST' || r.method === 'PUT';
    return { method: r.method, path: r.path + r.query, headers, body: hasBody ? r.body : undefined };
  });
const spec = fc.oneof({ weight: 3, arbitrary: anySpec }, { weight: 2, arbitrary: ingestSpec });

// --- one request ---------------------------------------------------------------
function send(s: Spec): Promise<{ status: number; text: string; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(srv.url + s.path, { method: s.method, headers: s.headers, agent }, (res) => {
      if (String(res.headers['content-type']).startsWith('text/event-stream')) {
        // A stream that opened: its headers are the answer; close it.
        resolve({ status: res.statusCode!, text: JSON.stringify(res.headers) });
        req.destroy();
        return;
      }
      let text = JSON.stringify(res.headers);
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, text, location: res.headers.location }));
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer in 30 s to ${s.method} ${s.path}`)));
    req.on('error', reject);
    req.end(s.body);
  });
}

/**
 * Tokens this request sent as credentials (Authorization, ?token=) and nowhere
 * else: those must never come back. (A token typed into another field, e.g.
 * ?channels=<token>, may be quoted in that field's 400 like any other bad value.)
 */
function credentialsOnly(s: Spec): string[] {
  const url = new URL(s.path, 'http://x');
  const cred = (s.headers.authorization ?? '') + ' ' + [...url.searchParams].filter(([k]) => k.startsWith('token')).map(([, v]) => v).join(' ');
  url.searchParams.delete('token');
  url.searchParams.delete('token[]');
  const elsewhere = JSON.stringify({ ...s, path: url.pathname + url.search, headers: { ...s.headers, authorization: '' } });
  const inCred = [...cred.matchAll(TOKEN_LIKE)].map((m) => m[0]);
  return inCred.filter((t) => !elsewhere.includes(t));
}

describe('fuzz: arbitrary requests against a running server', () => {
  it(`answers ${RUNS * PER_RUN} arbitrary requests with 2xx or 4xx, never echoing a token, and keeps the stream intact`, async () => {
    const run = await fc.check(
      fc.asyncProperty(fc.array(spec, { minLength: PER_RUN, maxLength: PER_RUN }), async (specs) => {
        for (const s of specs) {
          for (const m of JSON.stringify(s).matchAll(/ftok[A-Za-z0-9]{20}/g)) sentTokens.add(m[0]);
        }
        const answers = await Promise.all(specs.map(send));
        answers.forEach((a, i) => {
          statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
          // A directory of the page redirects to its slash form: allowed when it stays on this origin.
          const location = a.location ?? '';
          const sameOriginRedirect = a.status === 301 && location.startsWith('/') && !location.startsWith('//') && !location.startsWith('/\\');
          const ok = (a.status >= 200 && a.status < 300) || (a.status >= 400 && a.status < 500) || sameOriginRedirect;
          if (!ok) throw new Error(`status ${a.status} for ${JSON.stringify(specs[i]).slice(0, 500)}: ${a.text.slice(0, 300)}`);
          for (const t of credentialsOnly(specs[i])) {
            if (a.text.includes(t)) throw new Error(`token echoed in the answer to ${JSON.stringify(specs[i]).slice(0, 300)}`);
          }
        });
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    // The failing request alone, not the 50 of its batch.
    if (run.failed) throw new Error(`after ${run.numRuns} runs (seed ${run.seed}): ${String(run.errorInstance)}`);

    // The process is alive and serving.
    expect((await fetch(srv.url + '/healthz')).status).toBe(200);
    // The fuzz reached every layer, not only the first check.
    const histogram = JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])));
    expect(statuses.get(202) ?? 0, histogram).toBeGreaterThan(500);
    expect(statuses.get(400) ?? 0, histogram).toBeGreaterThan(500);
    for (const s of [401, 404, 413, 415, 429]) expect(statuses.get(s) ?? 0, `status ${s} in ${histogram}`).toBeGreaterThan(0);
    console.log(`fuzz statuses: ${histogram}`);

    // Logs: one line per request, and no token or Authorization anywhere.
    await new Promise((r) => setTimeout(r, 200));
    expect(log.lines.filter((l) => l.includes('"msg":"request"')).length).toBeGreaterThanOrEqual(RUNS * PER_RUN);
    const logText = log.lines.join('\n');
    expect(sentTokens.size).toBeGreaterThan(100);
    expect(logText.match(TOKEN_LIKE), 'a token in the log').toBeNull();
    expect(logText.toLowerCase()).not.toContain('authorization');
    expect(logText).not.toContain('Bearer');

    // The stream that stayed connected: every event parses with the shared schemas.
    await recorder.waitFor((r) => r.of('app').length > 0, 15_000, 'app ticks');
    expect(recorder.opens).toBe(1);
    expect(recorder.events[0].type).toBe('snapshot');
    Snapshot.parse(JSON.parse(recorder.events[0].data));
    for (const e of recorder.events.slice(1)) (e.type === 'status' ? StatusEvent : StreamTick).parse(JSON.parse(e.data));
    // And on the wire: every line is a known SSE field or a comment; every data line is JSON.
    const blocks = raw.text.split('\n\n').slice(0, -1);
    expect(blocks.length).toBeGreaterThan(recorder.events.length / 2);
    for (const block of blocks) {
      for (const line of block.split('\n')) {
        expect(line).toMatch(/^(retry: ?\d+|id: ?[A-Za-z0-9-]+|event: ?(snapshot|host|process|http|app|status)|data: ?\{.*\}|:.*)$/);
        if (line.startsWith('data:')) JSON.parse(line.slice(5));
      }
    }
  }, 240_000);
});
