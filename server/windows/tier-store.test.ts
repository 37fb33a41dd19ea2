import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Stat } from '../../shared/schema.js';
import { mergedColumn, spanStat, tierRange } from './tier-query.js';
import { TierStore } from './tier-store.js';

const stat = (v: number): Stat => ({ v, min: v, max: v, avg: v, n: 1, trend: 'stable', u: '' });
const T0 = 1_700_000_040_000; // a whole minute

function feed(store: TierStore, values: number[], t0 = T0, every = 1000): void {
  values.forEach((v, i) => store.fold('host', { t: t0 + i * every, source: 'a', values: { x: stat(v) } }));
}

describe('tier arithmetic', () => {
  it('a 1 min bucket of 60 ticks holds their min, max, average and last', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e12, max: 1e12, noNaN: true }), { minLength: 60, maxLength: 60 }), (vs) => {
        const store = new TierStore();
        feed(store, vs);
        const ring = store.group('host', 'a')!.ring('24h')!;
        const s = ring.series.get('x')!;
        const slot = Math.floor(T0 / 60_000) % ring.spec.capacity;
        expect(s.count[slot]).toBe(60);
        expect(s.min[slot]).toBe(Math.min(...vs));
        expect(s.max[slot]).toBe(Math.max(...vs));
        expect(s.last[slot]).toBe(vs[59]);
        expect(s.sum[slot] / 60).toBeCloseTo(vs.reduce((a, b) => a + b, 0) / 60, 0);
      }),
    );
  });

  it('a one-tick spike survives every tier and every merge of points', () => {
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 3000 }), fc.integer({ min: 0, max: 2999 }), fc.integer({ min: 1, max: 400 }), (len, at, points) => {
        const vs = new Array<number>(len).fill(5);
        vs[at % len] = 1000;
        const store = new TierStore();
        feed(store, vs);
        for (const ring of store.group('host', 'a')!.rings) {
          const r = tierRange(ring, points);
          const col = mergedColumn(ring, ring.series.get('x'), r);
          expect(Math.max(...col.hi.map((h) => h ?? -Infinity))).toBe(1000);
          expect(Math.min(...col.lo.map((h) => h ?? Infinity))).toBe(5);
          expect(col.avg.length).toBeLessThanOrEqual(Math.max(1, points));
        }
      }),
      // [2761, 0, 1]: one point, and the newest bucket opens a period of 360 (bucket 170000280 = 360 × 472223).
      { numRuns: 40, examples: [[2761, 0, 1]] },
    );
  });

  it('one point covers the whole ring even when the newest bucket starts a period of its width', () => {
    const vs = new Array<number>(2761).fill(5);
    vs[0] = 1000;
    const store = new TierStore();
    feed(store, vs);
    const ring = store.group('host', 'a')!.ring('1h')!;
    expect(ring.newest % 360).toBe(0);
    const r = tierRange(ring, 1);
    const col = mergedColumn(ring, ring.series.get('x'), r);
    expect(col.hi).toEqual([1000]);
    expect(col.n).toEqual([2761]);
    expect(spanStat(col, r, stat(5), 0.1)).toMatchObject({ max: 1000, n: 2761 });
  });

  it('merged points weigh buckets by their counts, and the span figures cover every tick', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 900 }), fc.integer({ min: 1, max: 360 }), (vs, points) => {
        const store = new TierStore();
        feed(store, vs, T0 + 3000, 1000);
        const ring = store.group('host', 'a')!.ring('1h')!;
        const r = tierRange(ring, points);
        const col = mergedColumn(ring, ring.series.get('x'), r);
        const st = spanStat(col, r, stat(vs.at(-1)!), 0.1);
        expect(st.n).toBe(vs.length);
        expect(st.min).toBe(Math.min(...vs));
        expect(st.max).toBe(Math.max(...vs));
        expect(st.avg).toBeCloseTo(vs.reduce((a, b) => a + b, 0) / vs.length, 2);
      }),
      { numRuns: 60 },
    );
  });
});

describe('TierStore', () => {
  it('keeps an hour of 10 s buckets: older ones are overwritten, never grown', () => {
    const store = new TierStore();
    feed(store, new Array(7200).fill(1), T0, 1000);
    const ring = store.group('host', 'a')!.ring('1h')!;
    const r = tierRange(ring, 10_000);
    expect(r.count).toBe(360);
    expect(ring.series.get('x')!.count.length).toBe(360);
  });

  it('does not fold a tick at or before one already folded (a replay after loading state)', () => {
    const store = new TierStore();
    feed(store, [1, 2, 3]);
    feed(store, [50, 60]);
    const ring = store.group('host', 'a')!.ring('1h')!;
    const slot = Math.floor(T0 / 10_000) % 360;
    expect(ring.series.get('x')!.count[slot]).toBe(3);
  });

  it('stops taking new series at maxSeries and forgets series idle past the longest tier', () => {
    const store = new TierStore({ maxSeries: 2 });
    store.fold('host', { t: T0, source: 'a', values: { x: stat(1), y: stat(1), z: stat(1) } });
    expect(store.size).toBe(2);
    store.fold('host', { t: T0 + 25 * 3600_000, source: 'a', values: { q: stat(1) } });
    store.sweep(T0 + 25 * 3600_000);
    expect(store.size).toBe(1);
    expect([...store.group('host', 'a')!.updated.keys()]).toEqual(['q']);
  });

  it('a series that appears later is empty in the buckets before it', () => {
    const store = new TierStore();
    feed(store, new Array(30).fill(1));
    store.fold('host', { t: T0 + 30_000, source: 'a', values: { x: stat(1), late: stat(9) } });
    const ring = store.group('host', 'a')!.ring('1h')!;
    const col = mergedColumn(ring, ring.series.get('late'), tierRange(ring, 360));
    expect(col.avg).toEqual([null, null, null, 9]);
  });

  it('starts a group over when its folded ticks lie in the future (the clock jumped back), not before', () => {
    let now = T0 + 86_400_000;
    const store = new TierStore({ now: () => now });
    store.fold('host', { t: now, source: 'a', values: { x: stat(1) } });
    // A replay (older than what was folded, clock unchanged): ignored.
    store.fold('host', { t: now - 60_000, source: 'a', values: { x: stat(2) } });
    const ring = () => store.group('host', 'a')!.ring('1h')!;
    expect([...ring().series.get('x')!.count].reduce((a, b) => a + b)).toBe(1);
    // The clock is back a day: the next tick starts the tiers over.
    now = T0;
    store.fold('host', { t: now, source: 'a', values: { x: stat(3) } });
    expect(store.group('host', 'a')!.through).toBe(T0);
    expect(ring().newest).toBe(Math.floor(T0 / 10_000));
    expect(ring().series.get('x')!.max[Math.floor(T0 / 10_000) % 360]).toBe(3);
  });
});

describe('the open bucket (TierRing.foldTick)', () => {
  /** What each tick does in the model: fold its values, then maybe read or change the store. */
  const step = fc.record({
    // A source's keys mostly stay as they were, sometimes change.
    keys: fc.oneof(
      { weight: 3, arbitrary: fc.constant(['a', 'b', 'c', '__proto__', 'constructor']) },
      { weight: 1, arbitrary: fc.subarray(['a', 'b', 'c', '__proto__', 'constructor', 'd{x="1"}'], { minLength: 0 }) },
    ) as fc.Arbitrary<string[]>,
    vs: fc.array(fc.oneof(fc.double({ noNaN: false }), fc.constantFrom(0, -0, 1, 1e300)), { minLength: 6, maxLength: 6 }),
    dt: fc.constantFrom(1, 400, 1000, 1000, 1000, 9_999, 10_000, 60_000, 3_600_000),
    then: fc.constantFrom('none', 'none', 'read', 'forget', 'forget other', 'bytes', 'load'),
  });

  it('folds bit for bit as each series folded on its own, whatever is read, forgotten or loaded between ticks', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 7 }), (steps, maxSeries) => {
        const store = new TierStore({ maxSeries, now: () => T0 });
        // The model: the same store, but every tick folded key by key through SeriesBuckets.fold, read back at once.
        const model = new TierStore({ maxSeries, now: () => T0 });
        let t = T0;
        // Another group holding part of the cap, which a forget frees for this one.
        for (const st of [store, model]) st.fold('app', { t, source: 'y', values: { p: stat(1), q: stat(2) } });
        for (const s of steps) {
          t += s.dt;
          const values = Object.create(null) as Record<string, Stat>;
          s.keys.forEach((k, i) => (values[k] = stat(s.vs[i])));
          store.fold('app', { t, source: 'x', values });
          model.fold('app', { t, source: 'x', values: {} }); // a tick opens buckets, whatever it holds
          for (const k of s.keys) {
            const one = Object.create(null) as Record<string, Stat>;
            one[k] = values[k];
            model.fold('app', { t: t + (1 + s.keys.indexOf(k)) / 10, source: 'x', values: one });
            for (const r of model.group('app', 'x')!.rings) r.settle();
          }
          const g = store.group('app', 'x');
          if (s.then === 'read' && g) g.rings[0].series.get(s.keys[0] ?? 'a');
          if (s.then === 'bytes') void store.bytes;
          if (s.then === 'forget other')
            for (const st of [store, model]) {
              const y = st.group('app', 'y');
              if (y) st.forget(y, y.updated.keys().next().value ?? '');
            }
          if (s.then === 'forget' && g && s.keys.length) {
            store.forget(g, s.keys[0]);
            model.forget(model.group('app', 'x')!, s.keys[0]);
          }
          if (s.then === 'load' && g && s.keys.length) {
            // A writer (a state file or Redis) putting a bucket straight into the arrays.
            for (const st of [store, model]) {
              const ring = st.group('app', 'x')!.rings[1];
              if (ring.series.has(s.keys[0])) ring.bucketsOf(s.keys[0]).fold(ring.slotFor(t), 42);
            }
          }
        }
        const a = store.group('app', 'x');
        const b = model.group('app', 'x');
        expect(store.size).toBe(model.size);
        if (!b) return void expect(a?.updated.size ?? 0).toBe(0);
        a!.rings.forEach((ring, i) => {
          const other = b.rings[i];
          expect([...ring.series.keys()].sort()).toEqual([...other.series.keys()].sort());
          for (const [key, s] of ring.series) expect(Buffer.compare(s.block, other.series.get(key)!.block), key).toBe(0);
        });
      }),
      { numRuns: 300 },
    );
  });
});
