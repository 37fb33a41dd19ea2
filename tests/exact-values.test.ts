import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Snapshot, StreamTick } from '../shared/schema.js';
import { startVigil, type Running } from './helpers/server.js';
import { SseRecorder } from './helpers/sse.js';

const TOKEN = 'exact-values-token-0123456789';

let srv: Running;
let client: SseRecorder;

beforeAll(async () => {
  srv = await startVigil({ ingestToken: TOKEN, ingestRate: 0, ingestCoalesce: 0, source: 'exact' });
  client = new SseRecorder(srv.url + '/api/stream?channels=app');
  await client.waitFor((r) => r.of('snapshot').length === 1, 5000, 'snapshot');
});
afterAll(async () => {
  client.close();
  await srv.stop();
});

/** Doubles of every magnitude ingest accepts (±1e300): tiny, subnormal, huge, negative, and plain ones. */
const value = fc.oneof(
  fc.double({ min: -1e300, max: 1e300, noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(5e-324, -5e-324, 2.2250738585072014e-308, 1e-300, 0.000123, 0.0005, -0.0005, 1e300, -1e300, 123456789.123456789),
  fc.double({ min: -1e-6, max: 1e-6, noNaN: true }),
);

/** A value as it comes back from JSON (only -0 changes: JSON has no negative zero). */
const json = (v: number) => (Object.is(v, -0) ? 0 : v);

/** The value of `name{source="exact"}` in the text format. */
function promValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes('source="exact"'));
  if (!line) throw new Error(`${name} not in /metrics`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('values are exact end to end', () => {
  it('keeps tiny, huge, negative and subnormal values exact in the stream, the snapshot and /metrics', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(value, { minLength: 1, maxLength: 12 }), async (values) => {
        const name = `exact.m${run++}`;
        const t0 = Date.now() - values.length;
        const res = await fetch(srv.url + '/api/ingest', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
          body: JSON.stringify({ source: 'exact', metrics: values.map((value, i) => ({ name, value, t: t0 + i })) }),
        });
        expect(res.status).toBe(202);
        const want = { v: json(values.at(-1)!), min: json(Math.min(...values)), max: json(Math.max(...values)) };

        await client.waitFor((r) => r.of('app').some((e) => name in StreamTick.parse(JSON.parse(e.data)).values), 5000, name);
        const tick = client.ticks('app').find((t) => name in t.values)!;
        const snap = Snapshot.parse(await (await fetch(srv.url + '/api/snapshot?channels=app&sources=exact&history=0')).json());
        const stat = snap.groups[0].values[name];
        for (const s of [tick.values[name], stat]) {
          expect(s).toMatchObject({ ...want, n: values.length });
          // The mean of doubles is not always a double; it must lie within the window and near the true mean.
          const mean = values.reduce((a, b) => a + b / values.length, 0);
          expect(s.avg).toBeGreaterThanOrEqual(want.min);
          expect(s.avg).toBeLessThanOrEqual(want.max);
          // Relative to the largest magnitude, and never below a few subnormal steps (1e-12 × 5e-324 is 0,
          // and this reference mean, summing value/n, underflows where the window's sum/n does not).
          expect(Math.abs(s.avg - mean)).toBeLessThanOrEqual(Math.max(1e-12 * Math.max(...values.map(Math.abs)), values.length * Number.MIN_VALUE));
        }
        const text = await (await fetch(srv.url + '/metrics')).text();
        expect(promValue(text, name.replace(/\./g, '_'))).toBe(want.v);
      }),
      { numRuns: 40 },
    );
  });
});
