import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SlidingWindow } from './window.js';

/** The obvious O(n) definition the window must agree with. */
function reference(samples: Array<[number, number]>, span: number, maxSamples: number) {
  const clamped: Array<[number, number]> = [];
  for (const [t, v] of samples) {
    const prev = clamped.length ? clamped[clamped.length - 1][0] : -Infinity;
    clamped.push([Math.max(t, prev), v]);
  }
  const latest = clamped[clamped.length - 1][0];
  let kept = clamped.filter(([t]) => t >= latest - span);
  kept = kept.slice(Math.max(0, kept.length - maxSamples));
  const vs = kept.map(([, v]) => v);
  const n = vs.length;
  const xs = kept.map(([t]) => t / 1000);
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const mv = vs.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (vs[i] - mv);
    den += (xs[i] - mx) ** 2;
  }
  return {
    last: vs[n - 1],
    min: Math.min(...vs),
    max: Math.max(...vs),
    avg: mv,
    count: n,
    slope: den === 0 ? 0 : num / den,
  };
}

const close = (a: number, b: number, scale: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, scale);

describe('SlidingWindow', () => {
  it('agrees with a naive reference on last, min, max, avg, count and slope', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 500 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })), {
          minLength: 1,
          maxLength: 300,
        }),
        fc.integer({ min: 1, max: 20_000 }),
        fc.integer({ min: 1, max: 400 }),
        (steps, span, maxSamples) => {
          let t = 1_700_000_000_000;
          const samples: Array<[number, number]> = steps.map(([dt, v]) => [(t += dt * 37), v]);
          const w = new SlidingWindow({ span, maxSamples });
          for (const [st, v] of samples) w.push(st, v);
          const r = reference(samples, span, maxSamples);
          const scale = Math.max(...samples.map(([, v]) => Math.abs(v)));
          expect(w.count).toBe(r.count);
          expect(w.last()).toBe(r.last);
          expect(w.min()).toBe(r.min);
          expect(w.max()).toBe(r.max);
          expect(close(w.avg(), r.avg, scale)).toBe(true);
          // The slope is ill-conditioned when samples are nearly simultaneous; compare it where it is not.
          if (r.count >= 2) expect(Math.abs(w.slope() - r.slope)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(r.slope), scale));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('evicts samples older than the window', () => {
    const w = new SlidingWindow({ span: 10_000 });
    w.push(0, 100);
    w.push(5_000, 1);
    w.push(12_000, 2);
    expect(w.count).toBe(2);
    expect(w.max()).toBe(2);
    expect(w.min()).toBe(1);
    w.advance(30_000);
    expect(w.count).toBe(0);
  });

  it('reports rising, falling and stable trends', () => {
    const up = new SlidingWindow();
    const down = new SlidingWindow();
    const flat = new SlidingWindow();
    for (let i = 0; i < 30; i++) {
      up.push(i * 1000, 10 + i);
      down.push(i * 1000, 50 - i);
      flat.push(i * 1000, 20 + (i % 2) * 0.01);
    }
    expect(up.trend()).toBe('rising');
    expect(down.trend()).toBe('falling');
    expect(flat.trend()).toBe('stable');
  });

  it('needs a larger move to leave stable when the threshold is higher', () => {
    const lax = new SlidingWindow({ trendThreshold: 0.05 });
    const strict = new SlidingWindow({ trendThreshold: 0.5 });
    for (let i = 0; i < 30; i++) {
      lax.push(i * 1000, 100 + i * 0.5);
      strict.push(i * 1000, 100 + i * 0.5);
    }
    expect(lax.trend()).toBe('rising');
    expect(strict.trend()).toBe('stable');
  });

  it('stays exact after a week of samples at 1 Hz', () => {
    const w = new SlidingWindow({ span: 60_000 });
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < 7 * 86_400; i++) w.push(t0 + i * 1000, i % 2 === 0 ? 1e9 : 1);
    expect(w.count).toBe(61);
    // The last 61 samples run from an odd index to an odd one: 30 highs, 31 lows.
    expect(w.avg()).toBeCloseTo((30 * 1e9 + 31) / 61, 3);
  });

  it('counts a sample dated ahead as received now: it cannot freeze the window', () => {
    const w = new SlidingWindow({ span: 60_000 });
    const t0 = 1_700_000_000_000;
    w.push(t0 + 120_000, 1000, t0);
    for (let i = 1; i <= 120; i++) w.push(t0 + i * 1000, i % 10, t0 + i * 1000);
    // A minute after it arrived, the sample from the fast clock is gone like any other.
    expect(w.max()).toBe(9);
    expect(w.count).toBe(61);
    expect(w.last()).toBe(0);
  });

  it('folds a late sample into min, max, avg and n, but never makes it the last value', () => {
    const w = new SlidingWindow({ span: 60_000 });
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < 10; i++) w.push(t0 + i * 1000, 5, t0 + i * 1000);
    w.push(t0 + 5_000, 50, t0 + 10_000);
    expect(w.last()).toBe(5);
    expect(w.max()).toBe(50);
    expect(w.count).toBe(11);
    // Older than the window: not counted at all.
    expect(w.push(t0 + 9_000 - 200_000, -1, t0 + 10_000)).toBe(false);
    expect(w.min()).toBe(5);
    expect(w.last()).toBe(5);
    expect(w.count).toBe(11);
  });

  it('takes the later arrival as the last value among samples of the same time', () => {
    const w = new SlidingWindow();
    w.push(1000, 1);
    w.push(1000, 2);
    expect(w.last()).toBe(2);
  });

  it('agrees with the rule on times for samples from clocks ahead, behind and idle gaps', () => {
    type Op = { kind: 'push'; dt: number; skew: number; v: number } | { kind: 'advance'; dt: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 5, arbitrary: fc.record({ kind: fc.constant('push' as const), dt: fc.integer({ min: 0, max: 3000 }), skew: fc.integer({ min: -200_000, max: 200_000 }), v: fc.integer({ min: -1000, max: 1000 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), dt: fc.integer({ min: 0, max: 90_000 }) }) },
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 200 }), fc.integer({ min: 1000, max: 120_000 }), (ops, span) => {
        const w = new SlidingWindow({ span, maxSamples: 1_000_000 });
        // The rule, written out: effective time min(t, now); dropped before the cutoff;
        // folded at the newest time if late; last = newest effective time, later arrival wins.
        let now = 1_700_000_000_000;
        let cutoff = -Infinity;
        let newest: { t: number; v: number } | null = null;
        let kept: Array<{ t: number; v: number }> = [];
        for (const o of ops) {
          now += o.dt;
          if (o.kind === 'advance') {
            w.advance(now);
            cutoff = Math.max(cutoff, now - span);
          } else {
            const e = Math.min(now + o.skew, now);
            const counted = w.push(now + o.skew, o.v, now);
            expect(counted).toBe(e >= cutoff);
            if (e < cutoff) continue;
            if (!newest || e >= newest.t) newest = { t: e, v: o.v };
            const at = kept.length ? Math.max(e, kept[kept.length - 1].t) : e;
            kept.push({ t: at, v: o.v });
            cutoff = Math.max(cutoff, at - span);
          }
          kept = kept.filter((k) => k.t >= cutoff);
          expect(w.count).toBe(kept.length);
          if (!kept.length) continue;
          const vs = kept.map((k) => k.v);
          expect(w.last()).toBe(newest!.v);
          expect(w.min()).toBe(Math.min(...vs));
          expect(w.max()).toBe(Math.max(...vs));
          // Never a time past the newest arrival: a fast clock holds nothing open.
          expect(kept[kept.length - 1].t).toBeLessThanOrEqual(now);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('gives in stat() exactly what last, min, max, avg, count and trend say, whatever was pushed and evicted', () => {
    const value = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.double({ min: -1e12, max: 1e12, noNaN: true }), fc.constantFrom(0, -0, 1e300, -1e300, 5e-324));
    const op = fc.record({ dt: fc.integer({ min: 0, max: 4000 }), skew: fc.integer({ min: -5000, max: 1000 }), v: value, advance: fc.boolean() });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 150 }), fc.integer({ min: 1000, max: 60_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (ops, span, trendThreshold) => {
        const w = new SlidingWindow({ span, trendThreshold, maxSamples: 50 });
        let now = 1_700_000_000_000;
        const each = () => ({ v: w.last(), min: w.min(), max: w.max(), avg: w.avg(), n: w.count, trend: w.trend(), u: 'u' });
        expect(w.stat('u')).toEqual(each());
        for (const o of ops) {
          now += o.dt;
          if (o.advance) w.advance(now);
          else w.push(now + o.skew, o.v, now);
          // toEqual tells 0 from -0 and NaN from a number, so each figure is the very same double.
          expect(w.stat('u')).toEqual(each());
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the small samples in the average once a huge one is evicted', () => {
    const w = new SlidingWindow({ span: 1000 });
    w.push(0, 1e300);
    w.push(500, 0.000123);
    w.push(1400, 0.000123);
    expect(w.count).toBe(2);
    expect(w.avg()).toBe(0.000123);
    expect(w.stat('s')).toMatchObject({ v: 0.000123, min: 0.000123, max: 0.000123, avg: 0.000123 });
  });
});
