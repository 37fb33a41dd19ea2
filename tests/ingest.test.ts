import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody, Snapshot, StreamTick } from '../shared/schema.js';
import { IngestAccepted } from '../shared/ingest.js';
import { startVigil, type Running } from './helpers/server.js';
import { SseRecorder } from './helpers/sse.js';
import { snapshotSeries } from './helpers/snapshot.js';

const TOKEN = 'ingest-secret-0123456789';
const auth = { Authorization: `Bearer ${TOKEN}` };

let srv: Running;
const clients: SseRecorder[] = [];

beforeAll(async () => {
  srv = await startVigil({ ingestToken: TOKEN, ingestRate: 0, maxSeries: 40, maxMetricsPerRequest: 50, bodyLimit: 4096, ingestMaxSkew: 60_000, source: 'vigil-test' });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await srv.stop();
});

async function post(body: unknown, headers: Record<string, string> = auth, raw = false) {
  const res = await fetch(srv.url + '/api/ingest', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: raw ? (body as string) : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as unknown };
}

async function snapshot(): Promise<Snapshot> {
  return Snapshot.parse(await (await fetch(srv.url + '/api/snapshot?channels=app')).json());
}

describe('POST /api/ingest accepts', () => {
  it('a group: 202, then the metric is on the app channel with its window and in the snapshot with history', async () => {
    const c = new SseRecorder(srv.url + '/api/stream?channels=app');
    clients.push(c);
    await c.waitFor((r) => r.events.length >= 1, 5000, 'snapshot');
    for (const v of [10, 20, 30]) {
      const r = await post({ source: 'llm-1', metrics: [{ name: 'inference.tokens_per_s', value: v, unit: 'tok/s' }] });
      expect(r.status).toBe(202);
      expect(IngestAccepted.parse(r.json())).toEqual({ accepted: 1, sources: ['llm-1'] });
      // Coalesced ticks: wait for each one so history has a point per push.
      await c.waitFor((rec) => rec.ticks('app').some((t) => t.values['inference.tokens_per_s']?.v === v), 5000, `value ${v}`);
    }
    const last = c.ticks('app').at(-1)!;
    expect(last.source).toBe('llm-1');
    // n is the first tick's and the snapshot's: ticks never carry it again.
    expect(last.values['inference.tokens_per_s']).toMatchObject({ v: 30, min: 10, max: 30, avg: 20, n: 1, u: 'tok/s' });
    const snap = await snapshot();
    const s = snapshotSeries(snap).get('inference.tokens_per_s@llm-1')!;
    expect(s).toMatchObject({ channel: 'app', source: 'llm-1', stat: { u: 'tok/s', max: 30, n: 3 } });
    expect(s.v).toEqual([10, 20, 30]);
  });

  it('a batch of groups, one tick per source, and defaults the source to this instance', async () => {
    const c = new SseRecorder(srv.url + '/api/stream?channels=app&sources=gpu-a,gpu-b,vigil-test');
    clients.push(c);
    await c.waitFor((r) => r.events.length >= 1);
    const r = await post([
      { source: 'gpu-a', metrics: [{ name: 'queue.depth', value: 3 }, { name: 'latency.ms', value: 120, unit: 'ms' }] },
      { source: 'gpu-b', metrics: [{ name: 'queue.depth', value: 5, t: Date.now() - 1000 }] },
      { metrics: [{ name: 'batch.default_source', value: 1 }] },
    ]);
    expect(r.status).toBe(202);
    expect(IngestAccepted.parse(r.json())).toEqual({ accepted: 4, sources: ['gpu-a', 'gpu-b', 'vigil-test'] });
    await c.waitFor((rec) => new Set(rec.of('app').map((e) => StreamTick.parse(JSON.parse(e.data)).source)).size === 3);
    const bySource = Object.fromEntries(c.ticks('app').map((t) => [t.source, t]));
    expect(Object.keys(bySource['gpu-a'].values).sort()).toEqual(['latency.ms', 'queue.depth']);
    expect(bySource['gpu-b'].values['queue.depth'].v).toBe(5);
    expect(bySource['vigil-test'].values['batch.default_source'].v).toBe(1);
  });

  it('several points of one metric in one request, in time order, into its window', async () => {
    const t = Date.now();
    const r = await post({ source: 'pts', metrics: [{ name: 'p.v', value: 3, t: t - 10 }, { name: 'p.v', value: 1, t: t - 30 }, { name: 'p.v', value: 2, t: t - 20 }] });
    expect(r.status).toBe(202);
    await expect.poll(async () => snapshotSeries(await snapshot()).get('p.v@pts')?.stat, { timeout: 5000 }).toMatchObject({ v: 3, min: 1, max: 3, n: 3, trend: 'rising' });
  });
});

describe('labels', () => {
  it('make one series per label set, keyed name{k=v,…} on the wire, in ticks and the snapshot', async () => {
    const c = new SseRecorder(srv.url + '/api/stream?channels=app&sources=llm-l');
    clients.push(c);
    await c.waitFor((r) => r.events.length >= 1, 5000, 'snapshot');
    const r = await post({
      source: 'llm-l',
      metrics: [
        { name: 'inference.requests', value: 3, labels: { model: 'llama-3-8b', state: 'running' } },
        { name: 'inference.requests', value: 5, labels: { state: 'waiting', model: 'llama-3-8b' } },
      ],
    });
    expect(r.status).toBe(202);
    await c.waitFor((rec) => rec.of('app').length >= 1, 5000, 'tick');
    const tick = c.ticks('app').at(-1)!;
    expect(tick.values['inference.requests{model=llama-3-8b,state=running}']).toMatchObject({ v: 3 });
    expect(tick.values['inference.requests{model=llama-3-8b,state=waiting}']).toMatchObject({ v: 5 });
    const snap = snapshotSeries(await snapshot());
    expect(snap.get('inference.requests{model=llama-3-8b,state=waiting}@llm-l')?.stat.v).toBe(5);
  });

  it('refuses a label that could not be a key: 400 naming the label', async () => {
    for (const [labels, want] of [
      [{ model: 'a b' }, /metrics\.0\.labels\.model: label value must be characters of/],
      [{ Model: 'x' }, /metrics\.0\.labels.*label name must be/],
      [{ a: '1', b: '2', c: '3', d: '4', e: '5', f: '6' }, /metrics\.0\.labels: at most 5 labels/],
      [{ model: '' }, /label value must not be empty/],
    ] as const) {
      const r = await post({ source: 'llm-l', metrics: [{ name: 'inference.bad', value: 1, labels }] });
      expect(r.status, JSON.stringify(labels)).toBe(400);
      expect(ErrorBody.parse(r.json()).error).toMatch(want);
    }
  });
});

describe('POST /api/ingest rejects, naming the field and the reason', () => {
  const one = (m: Record<string, unknown>) => ({ source: 'bad', metrics: [{ name: 'ok.name', value: 1, ...m }] });
  it.each([
    ['bad JSON', '{"metrics": [', /^body: not valid JSON$/],
    ['a bare number', '42', /^body: not valid JSON$/],
    ['an array of non-groups', '[1]', /^0: .*expected object/],
    ['no metrics', '{}', /^metrics: .*expected array/],
    ['empty metrics', '{"metrics": []}', /^metrics: metrics must hold at least one metric$/],
    ['a value as string', JSON.stringify(one({ value: '12' })), /^metrics\.0\.value: value must be a finite number$/],
    ['"NaN"', JSON.stringify(one({ value: 'NaN' })), /^metrics\.0\.value: value must be a finite number$/],
    ['1e400 (Infinity once parsed)', '{"metrics":[{"name":"a","value":1e400}]}', /^metrics\.0\.value: value must be a finite number$/],
    ['-1e400', '{"metrics":[{"name":"a","value":-1e400}]}', /^metrics\.0\.value: value must be a finite number$/],
    ['a finite value too large for window sums', '{"metrics":[{"name":"a","value":1.7e308}]}', /^metrics\.0\.value: value must be within ±1e\+300$/],
    ['a missing value', JSON.stringify({ metrics: [{ name: 'a' }] }), /^metrics\.0\.value: value is required$/],
    ['upper case and spaces in a name', JSON.stringify(one({ name: 'CPU Total' })), /^metrics\.0\.name: metric name must be dotted words of \[a-z0-9_\]/],
    ['a newline in a name', JSON.stringify(one({ name: 'a\nevent: x' })), /^metrics\.0\.name: metric name must be dotted words/],
    ['a name of 129 characters', JSON.stringify(one({ name: 'a'.repeat(129) })), /^metrics\.0\.name: metric name must be at most 128 characters$/],
    ['a reserved name', JSON.stringify(one({ name: 'host.cpu.total' })), /^metrics\.0\.name: metric name must not start with host\./],
    ['a control character in a unit', JSON.stringify(one({ unit: 'ms\u0007' })), /^metrics\.0\.unit: unit must not contain control characters$/],
    ['a line separator in a unit', JSON.stringify(one({ unit: 'ms\u2028' })), /^metrics\.0\.unit: unit must not contain control characters$/],
    ['a bad source', JSON.stringify({ source: 'a b', metrics: [{ name: 'a', value: 1 }] }), /^source: source must be letters/],
    ['a fractional time', JSON.stringify(one({ t: 1.5 })), /^metrics\.0\.t: t must be whole ms/],
    ['a time far in the future', JSON.stringify(one({ t: Date.now() + 3_600_000 })), /^metrics\.0\.t: must be within 60000 ms of server time \(INGEST_MAX_SKEW\), got \d+ ms in the future$/],
    ['a time far in the past', JSON.stringify([one({}), one({ t: 1000 })]), /^1\.metrics\.0\.t: must be within 60000 ms .* ms in the past$/],
  ])('%s: 400', async (_what, body, msg) => {
    const r = await post(body, auth, true);
    expect(r.status).toBe(400);
    expect(ErrorBody.parse(r.json()).error).toMatch(msg);
  });

  it('too many metrics in one request: 413 with the limit', async () => {
    const metrics = Array.from({ length: 51 }, (_, i) => ({ name: `m${i}`, value: i }));
    const r = await post({ metrics });
    expect(r.status).toBe(413);
    expect(ErrorBody.parse(r.json()).error).toBe('metrics: at most 50 metrics per request (MAX_METRICS_PER_REQUEST), got 51; split the batch');
  });

  it('a body over the size limit: 413', async () => {
    const r = await post({ metrics: [{ name: 'big', value: 1, unit: 'x' }], pad: 'x'.repeat(5000) });
    expect(r.status).toBe(413);
    expect(ErrorBody.parse(r.json()).error).toBe('body: larger than the limit of 4096 bytes');
  });

  it('an empty body: 400 saying what to send', async () => {
    const r = await post('', auth, true);
    expect(r.status).toBe(400);
    expect(ErrorBody.parse(r.json()).error).toMatch(/^body: empty; send a JSON group/);
  });

  it('a body that is not JSON by its content type: 415', async () => {
    const r = await post('name=a&value=1', { ...auth, 'Content-Type': 'application/x-www-form-urlencoded' }, true);
    expect(r.status).toBe(415);
    expect(ErrorBody.parse(r.json()).error).toMatch(/Content-Type: application\/json/);
  });

  it('no token, a wrong token or another scheme: 401 with WWW-Authenticate, token not echoed', async () => {
    for (const headers of [{} as Record<string, string>, { Authorization: 'Bearer wrong-token-0123456789' }, { Authorization: `Basic ${TOKEN}` }, { Authorization: `Bearer ${TOKEN}x` }]) {
      const r = await post({ metrics: [{ name: 'a', value: 1 }] }, headers);
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toBe('Bearer realm="vigil"');
      expect(ErrorBody.parse(r.json()).error).toBe('missing or wrong token: send Authorization: Bearer <INGEST_TOKEN>');
      expect(r.text).not.toContain('0123456789');
    }
  });

  it('a rejected request changes nothing, even its valid metrics', async () => {
    const r = await post({ source: 'atomic', metrics: [{ name: 'good.one', value: 1 }, { name: 'Bad', value: 2 }] });
    expect(r.status).toBe(400);
    expect(ErrorBody.parse(r.json()).error).toMatch(/^metrics\.1\.name:/);
    await new Promise((res) => setTimeout(res, 300));
    expect(srv.vigil.windows.has('good.one', 'atomic')).toBe(false);
    expect((await snapshot()).groups.some((g) => g.source === 'atomic')).toBe(false);
  });

  it('new series past the cardinality cap: 429, and none of the request is recorded', async () => {
    const held = srv.vigil.appChannel.size;
    const room = 40 - held;
    const fill = Array.from({ length: room }, (_, i) => ({ name: `card.m${i}`, value: i }));
    expect((await post({ source: 'card', metrics: fill })).status).toBe(202);
    // An existing series is still accepted at the cap.
    expect((await post({ source: 'card', metrics: [{ name: 'card.m0', value: 9 }] })).status).toBe(202);
    const r = await post({ source: 'card', metrics: [{ name: 'card.m1', value: 1 }, { name: 'card.over', value: 1 }] });
    expect(r.status).toBe(429);
    expect(ErrorBody.parse(r.json()).error).toBe('metrics: 1 new metric(s) would exceed the cap of 40 distinct app metrics (MAX_SERIES); 40 are held');
    expect(srv.vigil.windows.has('card.over', 'card')).toBe(false);
    expect(srv.vigil.appChannel.size).toBe(40);
  });
});

describe('ingest settings', () => {
  it('is off without INGEST_TOKEN: 404 saying how to turn it on, while reading works', async () => {
    const off = await startVigil();
    try {
      const r = await fetch(off.url + '/api/ingest', { method: 'POST', headers: { 'Content-Type': 'application/json', ...auth }, body: '{}' });
      expect(r.status).toBe(404);
      expect(ErrorBody.parse(await r.json()).error).toBe('ingest is off: start Vigil with INGEST_TOKEN set to turn it on');
      expect((await fetch(off.url + '/api/channels')).status).toBe(200);
    } finally {
      await off.stop();
    }
  });

  it('limits the request rate with a token bucket: 429 with Retry-After', async () => {
    const limited = await startVigil({ ingestToken: TOKEN, ingestRate: 2 });
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 5; i++) {
        const r = await fetch(limited.url + '/api/ingest', { method: 'POST', headers: { 'Content-Type': 'application/json', ...auth }, body: '{"metrics":[{"name":"r","value":1}]}' });
        statuses.push(r.status);
        if (r.status === 429) retryAfter = r.headers.get('retry-after');
      }
      expect(statuses.slice(0, 2)).toEqual([202, 202]);
      expect(statuses).toContain(429);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    } finally {
      await limited.stop();
    }
  });
});
