import { spawn } from 'node:child_process';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnPoints, ErrorBody, groupLength, Snapshot, StreamTick, SourceName } from '../shared/schema.js';
import { MetricName, metricKey } from '../shared/series.js';
import { LabelName } from '../shared/ingest.js';
import { requireBinary } from './helpers/binary.js';
import { startVigil, type Running } from './helpers/server.js';
import { SseRecorder } from './helpers/sse.js';

const TOKEN = 'ingest-secret-0123456789';
const promtool = requireBinary('promtool', 'apt-get install prometheus');

/** Property names of the prototypes that plain objects, functions and arrays inherit. */
const PROTO_WORDS = [...new Set([Object.prototype, Function.prototype, Array.prototype].flatMap((p) => Object.getOwnPropertyNames(p)))];
const legal = (schema: { safeParse: (v: unknown) => { success: boolean } }) => (w: string) => schema.safeParse(w).success;
const NAMES = [...new Set(PROTO_WORDS.map((w) => w.toLowerCase()))].filter(legal(MetricName));
const SOURCES = PROTO_WORDS.filter(legal(SourceName));
const LABEL_NAMES = [...new Set(PROTO_WORDS.map((w) => w.toLowerCase()))].filter(legal(LabelName));

// Pairs that share a /metrics form, and one that is Vigil's own there: refused with 409.
const CLASHING = ['queue.depth', 'queue_depth', 'a.b', 'a_b', '__.x', '___x', 'node.load'];
const name = fc.oneof(fc.constantFrom(...NAMES), fc.constantFrom(...CLASHING), fc.stringMatching(/^[a-z0-9_]{1,12}(\.[a-z0-9_]{1,12}){0,2}$/)).filter((n) => !/^(host|process|http)\./.test(n));
const source = fc.oneof(fc.constantFrom(...SOURCES), fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,15}$/));
const labels = fc.option(fc.dictionary(fc.constantFrom(...LABEL_NAMES), fc.constantFrom('a', 'b', 'constructor', '__proto__'), { minKeys: 1, maxKeys: 2 }), { nil: undefined });
const metric = fc.record({ name, value: fc.integer({ min: -1000, max: 1000 }), labels });

let srv: Running;
let live: SseRecorder;
beforeAll(async () => {
  srv = await startVigil({ ingestToken: TOKEN, ingestRate: 0, ingestCoalesce: 0, maxSeries: 100_000 }, { sources: () => [] });
  live = new SseRecorder(srv.url + '/api/stream?channels=app&history=5');
  await live.waitFor((r) => r.events.length >= 1);
});
afterAll(async () => {
  live.close();
  await srv.stop();
});

/** A pushed name's /metrics form, as documented: dots become `_`; a leading digit or `__` gets `app_` in front. */
const promForm = (n: string) => {
  const u = n.replaceAll('.', '_');
  return /^([0-9]|__)/.test(u) ? `app_${u}` : u;
};

/** Body as the producer would write it: a `__proto__` label is an own key, as JSON.parse makes it. */
function body(src: string, metrics: Array<{ name: string; value: number; labels?: Record<string, string> }>): string {
  return JSON.stringify({ source: src, metrics });
}

// One sample line of the text format: name, optional labels, a number.
const SAMPLE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+-]+|[Nn]a[Nn]|[+-]Inf)( -?\d+)?$/;

/** Every sample line well-formed; with `promtool`, also what Prometheus itself parses. */
async function checkMetrics(text: string, withPromtool = true): Promise<void> {
  for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(SAMPLE);
  if (!promtool.path || !withPromtool) return;
  const p = spawn(promtool.path, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (out += d));
  p.stdin.end(text);
  const code = await new Promise<number | null>((r) => p.once('exit', r));
  // 3 is lint advice (names, units); 1 is a line Prometheus cannot parse.
  expect(out).not.toContain('error while linting');
  expect([0, 3]).toContain(code);
}

describe('metric names that are also prototype property names', () => {
  it('pool: the names drawn from the prototypes include the dangerous ones', () => {
    expect(NAMES).toEqual(expect.arrayContaining(['__proto__', 'constructor', 'length', 'name', 'tostring', 'valueof']));
    expect(SOURCES).toEqual(expect.arrayContaining(['constructor', 'toString', 'hasOwnProperty']));
  });

  it('are accepted end to end (except __proto__, refused saying why), and every snapshot, tick and /metrics stays valid', { timeout: 120_000 }, async () => {
    const accepted = new Map<string, number>();
    let refused = 0;
    // /metrics form → the pushed name that holds it, on any source (README, "Pushing metrics").
    const exported = new Map<string, string>();
    const exportRefusal = (names: string[]): 'reserved' | 'taken' | null => {
      const fresh = new Map(exported);
      for (const n of names) {
        const e = promForm(n);
        if (/^(node|process|nodejs|vigil|host)_/.test(e)) return 'reserved';
        if ((fresh.get(e) ?? n) !== n) return 'taken';
        fresh.set(e, n);
      }
      return null;
    };
    await fc.assert(
      fc.asyncProperty(source, fc.array(metric, { minLength: 1, maxLength: 4 }), async (src, metrics) => {
        // One value per series in a request, so the last one is the series' v.
        const bySeries = new Map(metrics.map((m) => [metricKey(m.name, m.labels), m]));
        const unique = [...bySeries.values()];
        const res = await fetch(srv.url + '/api/ingest', {
          method: 'POST',
          headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
          body: body(src, unique),
        });
        const proto = unique.some((m) => m.name === '__proto__' || (m.labels && Object.hasOwn(m.labels, '__proto__')));
        if (proto) {
          expect(res.status).toBe(400);
          expect(ErrorBody.parse(await res.json()).error).toMatch(/(metric name|label name) is "__proto__"/);
          return;
        }
        // Two names with one /metrics form (`a.b` and `a_b`), or a form that is Vigil's own, are refused whole.
        const refusal = exportRefusal(unique.map((m) => m.name));
        if (refusal) {
          expect(res.status, refusal).toBe(409);
          refused++;
          expect(ErrorBody.parse(await res.json()).error).toMatch(refusal === 'reserved' ? /which is Vigil's own/ : /would both be \S+ in \/metrics/);
          const snap = Snapshot.parse(await (await fetch(srv.url + '/api/snapshot?channels=app&history=0')).json());
          const held = new Set(snap.groups.flatMap((g) => Object.keys(g.values).map((k) => `${k}@${g.source}`)));
          for (const m of unique) expect(held.has(`${metricKey(m.name, m.labels)}@${src}`)).toBe(accepted.has(`${metricKey(m.name, m.labels)}@${src}`));
          return;
        }
        expect(res.status).toBe(202);
        for (const m of unique) exported.set(promForm(m.name), m.name);
        for (const m of unique) accepted.set(`${metricKey(m.name, m.labels)}@${src}`, m.value);

        const snap = Snapshot.safeParse(await (await fetch(srv.url + '/api/snapshot?channels=app&history=3')).json());
        expect(snap.success, snap.error?.message).toBe(true);
        const group = snap.data!.groups.find((g) => g.source === src)!;
        for (const m of unique) {
          const key = metricKey(m.name, m.labels);
          expect(Object.hasOwn(group.values, key)).toBe(true);
          expect(group.values[key].v).toBe(accepted.get(`${key}@${src}`));
          expect(columnPoints(group.history[key], groupLength(group)).at(-1)).toBe(m.value);
        }
        await checkMetrics(await (await fetch(srv.url + '/metrics')).text(), false);
      }),
      { numRuns: 50 },
    );
    expect(refused, 'requests with clashing names drawn').toBeGreaterThan(0);
    await checkMetrics(await (await fetch(srv.url + '/metrics')).text());
    // Every accepted series reached the live stream, and every event parsed.
    await live.waitFor((r) => {
      const seen = new Set<string>();
      for (const e of r.of('app')) for (const k of Object.keys(StreamTick.parse(JSON.parse(e.data)).values)) seen.add(`${k}@${StreamTick.parse(JSON.parse(e.data)).source}`);
      return [...accepted.keys()].every((k) => seen.has(k));
    }, 10_000, 'every accepted series on the stream');
    for (const e of live.events) {
      if (e.type === 'snapshot') expect(Snapshot.safeParse(JSON.parse(e.data)).success).toBe(true);
      else {
        const tick = StreamTick.parse(JSON.parse(e.data));
        expect(Object.keys(tick.values).length).toBeGreaterThan(0);
      }
    }
    // A fresh client's snapshot holds every series.
    const fresh = Snapshot.parse(await (await fetch(srv.url + '/api/snapshot?channels=app&history=0')).json());
    const held = new Set(fresh.groups.flatMap((g) => Object.keys(g.values).map((k) => `${k}@${g.source}`)));
    for (const k of accepted.keys()) expect(held.has(k), k).toBe(true);
  });

  it('__proto__ as a name or a label name: 400 naming the field and why', async () => {
    for (const raw of ['{"metrics":[{"name":"__proto__","value":1}]}', '{"metrics":[{"name":"x","value":1,"labels":{"__proto__":"a"}}]}']) {
      const res = await fetch(srv.url + '/api/ingest', { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: raw });
      expect(res.status).toBe(400);
      expect(ErrorBody.parse(await res.json()).error).toMatch(/^metrics\.0\.(name|labels): (metric|label) name is "__proto__", which JSON clients/);
    }
  });

  it('a tick that carries a __proto__ key anyway (any publisher) breaks neither snapshots nor /metrics', async () => {
    const values = JSON.parse('{"__proto__":{"v":1,"min":1,"max":1,"avg":1,"n":1,"trend":"stable","u":""},"constructor":{"v":2,"min":2,"max":2,"avg":2,"n":1,"trend":"stable","u":""}}');
    srv.vigil.hub.publish('app', { t: Date.now(), source: 'odd-publisher', values });
    const snap = Snapshot.parse(await (await fetch(srv.url + '/api/snapshot?channels=app&sources=odd-publisher')).json());
    expect(snap.groups[0].values.constructor).toMatchObject({ v: 2 });
    expect(Object.keys(snap.groups[0].history)).toEqual(Object.keys(snap.groups[0].values));
    const text = await (await fetch(srv.url + '/metrics')).text();
    expect(text).toMatch(/^constructor\{source="odd-publisher"\} 2$/m);
    // Names starting with __ are Prometheus's own: the pushed one gets app_ in front.
    expect(text).toMatch(/^app___proto__\{source="odd-publisher"\} 1$/m);
    await checkMetrics(text);
  });
});
