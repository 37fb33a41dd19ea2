import { describe, expect, it } from 'vitest';
import { Folder, type Point } from './folder.js';

const L = {};
const counter = (v: number): Point => ({ kind: 'counter', name: 'tok', labels: L, unit: '', v });
const hist = (counts: number[], les = [0.1, 1, Infinity]): Point => ({
  kind: 'histogram',
  name: 'lat',
  labels: L,
  unit: 's',
  buckets: les.map((le, i) => ({ le, count: counts[i] })),
  count: counts[counts.length - 1],
});

function step(f: Folder, p: Point, t: number) {
  const r = f.fold([p], t);
  r.commit();
  return Object.fromEntries(r.readings.map((x) => [x.name, x.v]));
}

describe('Folder', () => {
  it('turns a counter into a per-second rate, primed by its first reading', () => {
    const f = new Folder(60_000);
    expect(step(f, counter(100), 0)).toEqual({});
    expect(step(f, counter(150), 1000)).toEqual({ tok: 50 });
    expect(step(f, counter(250), 3000)).toEqual({ tok: 50 });
  });

  it('counts a point stamped ahead of the fold as now, so a fast clock leaves the rates right', () => {
    const f = new Folder(60_000);
    const at = (v: number, t: number): Point => ({ ...counter(v), t });
    expect(step(f, at(100, 0), 0)).toEqual({});
    // 58 days ahead: read at the fold's time, 1 s after the last.
    expect(step(f, at(150, 5e9), 1000)).toEqual({ tok: 50 });
    // The honest point after it is not late.
    expect(step(f, at(250, 2000), 2000)).toEqual({ tok: 100 });
    // One stamped in the past is taken at its own time.
    expect(step(f, at(300, 2500), 9000)).toEqual({ tok: 100 });
  });

  it('counts a counter that falls as reset from zero', () => {
    const f = new Folder(60_000);
    step(f, counter(1000), 0);
    expect(step(f, counter(30), 1000)).toEqual({ tok: 30 });
  });

  it('keeps nothing from a fold that is not committed', () => {
    const f = new Folder(60_000);
    step(f, counter(100), 0);
    f.fold([counter(5000)], 1000); // refused, never committed
    expect(step(f, counter(200), 2000)).toEqual({ tok: 50 });
  });

  it('primes nothing from a new counter in a fold never committed, and takes the last of a counter twice in one fold', () => {
    const f = new Folder(60_000);
    f.fold([counter(100)], 0); // never committed: the counter stays unknown
    expect(step(f, counter(150), 1000)).toEqual({});
    expect(f.fold([counter(200), counter(230)], 2000).readings.map((r) => r.v)).toEqual([50]);
    const r = f.fold([counter(250), counter(260)], 3000);
    r.commit();
    expect(r.readings.map((x) => x.v)).toEqual([50]); // from the committed 150 at t=1000 (the fold at 2000 was never committed)
    expect(step(f, counter(300), 4000)).toEqual({ tok: 40 }); // from the last of the two, 260
  });

  it('gives histogram quantiles over the bucket increases inside the window, and the observation rate', () => {
    const f = new Folder(10_000);
    expect(step(f, hist([100, 100, 100]), 0)).toEqual({});
    // 10 new observations, all in (0.1, 1]: p50 at rank 5 of 10 → 0.1 + 0.9 * 0.5.
    const r = step(f, hist([100, 110, 110]), 1000);
    expect(r['lat.rate']).toBe(10);
    expect(r['lat.p50']).toBeCloseTo(0.55, 12);
    expect(r['lat.p99']).toBeCloseTo(0.1 + 0.9 * 0.99, 12);
    // 20 s later, the window (10 s) no longer holds the first two snapshots.
    step(f, hist([110, 120, 120]), 15_000);
    const late = step(f, hist([130, 140, 140]), 21_000);
    // Increase since the 15 s snapshot: 20 observations, all ≤ 0.1.
    expect(late['lat.p50']).toBeCloseTo(0.05, 12);
  });

  it('keeps nothing of a histogram fold that is not committed, its window shared with the held state or not', () => {
    const f = new Folder(60_000);
    step(f, hist([0, 0, 0]), 0);
    step(f, hist([10, 10, 10]), 1000);
    f.fold([hist([10, 1000, 1000])], 2000); // never committed: appended to the held window's array
    f.fold([hist([10, 2000, 2000])], 2500); // nor this one
    // Since t=0: 20 observations ≤ 0.1, none above: p99 inside the first bucket.
    const r = step(f, hist([20, 20, 20]), 3000);
    expect(r['lat.rate']).toBe(5);
    expect(r['lat.p99']).toBeCloseTo(0.099, 12);
    // Once more after a committed round (the window array appended in place again): 30 since t=0, 20 ≤ 0.1, rank 15.
    expect(step(f, hist([20, 30, 30]), 4000)['lat.p50']).toBeCloseTo(0.075, 12);
  });

  it('slides a histogram window over hundreds of rounds: quantiles always over exactly the window', () => {
    const f = new Folder(10_000);
    // Round k: k observations ≤ 0.1 in all, and k² in (0.1, 1]: the increase over the window from k-10 to k.
    const at = (k: number) => hist([k, k + k * k, k + k * k]);
    for (let k = 0; k <= 400; k++) {
      const r = step(f, at(k), k * 1000);
      if (k < 1) continue;
      const from = Math.max(0, k - 10);
      const low = k - from;
      const total = low + (k * k - from * from);
      const rank = 0.5 * total;
      const want = rank <= low ? 0.1 * (rank / low) : 0.1 + 0.9 * ((rank - low) / (total - low));
      expect(r['lat.p50']).toBeCloseTo(want, 9);
    }
  });

  it('starts a histogram window over when a bucket falls (the target restarted)', () => {
    const f = new Folder(60_000);
    step(f, hist([0, 50, 50]), 0);
    expect(step(f, hist([2, 2, 2]), 1000)).toEqual({ 'lat.rate': 2 });
    expect(step(f, hist([4, 4, 4]), 2000)['lat.p50']).toBeCloseTo(0.05, 12);
  });

  it('takes a summary as given and a delta sum over its own span', () => {
    const f = new Folder(60_000);
    const r = f.fold(
      [
        { kind: 'summary', name: 's', labels: L, unit: 's', quantiles: [{ q: 0.5, v: 1 }, { q: 0.999, v: 9 }], count: 10 },
        { kind: 'delta', name: 'd', labels: L, unit: 'B', v: 500, span: 5000 },
      ],
      0,
    );
    expect(r.readings.map((x) => [x.name, x.unit, x.v])).toEqual([
      ['s.p50', 's', 1],
      ['s.p99_9', 's', 9],
      ['d', 'B/s', 100],
    ]);
  });
});
