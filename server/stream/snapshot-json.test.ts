import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ExpandedSnapshot, expandSnapshot, Snapshot } from '../../shared/schema.js';
import { columnExponent, compactNumber, pointJson, snapshotJson } from './snapshot-json.js';

describe('compactNumber', () => {
  it('writes 4 significant digits in the shortest JSON form', () => {
    expect(compactNumber(24693260288)).toBe('2.469e10');
    expect(compactNumber(583254016)).toBe('5.833e8');
    expect(compactNumber(52.381)).toBe('52.38');
    expect(compactNumber(8210.65)).toBe('8211');
    expect(compactNumber(0.000123456)).toBe('1.235e-4');
    expect(compactNumber(0.0123456)).toBe('0.01235');
    expect(compactNumber(-1.7976931348623157e308)).toBe('-1.7976931348623157e+308');
    expect(compactNumber(-1.5e-9)).toBe('-1.5e-9');
    expect(compactNumber(0)).toBe('0');
    expect(compactNumber(9999)).toBe('9999');
    expect(compactNumber(-42)).toBe('-42');
  });

  it('is valid JSON, within 1 part in 2,000 of the value, and never longer than String(x)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const s = compactNumber(x);
        const back = JSON.parse(s) as number;
        expect(typeof back).toBe('number');
        expect(Math.abs(back - x)).toBeLessThanOrEqual(Math.abs(x) * 5e-4);
        expect(s.length).toBeLessThanOrEqual(String(x).length);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps whole numbers under 10,000 exact', () => {
    fc.assert(fc.property(fc.integer({ min: -9999, max: 9999 }), (n) => JSON.parse(compactNumber(n)) === n));
  });
});

describe('pointJson', () => {
  it('rounds to a hundredth of the column\'s spread, never finer than 4 significant digits', () => {
    const e = columnExponent([[60.2, 71.29, null, 80.13]]); // spread 19.93: steps of 0.1
    expect(e).toBe(-1);
    expect(pointJson(71.29, e)).toBe('71.3');
    expect(pointJson(5.067, e)).toBe('5.1');
    expect(pointJson(0.04, e)).toBe('0');
    expect(pointJson(-0.06, e)).toBe('-0.1');
    expect(pointJson(24693260288, columnExponent([[24693260288, 24693260289]]))).toBe('2.469e10');
    expect(pointJson(8192, columnExponent([[0, 3105000]]))).toBe('1e4');
    expect(pointJson(7, columnExponent([[1, 8]]))).toBe('7');
    expect(columnExponent([[5, 5, null]])).toBe(-Infinity);
  });

  it('is valid JSON within half a step (or 4 digits) of the value, and never longer than compactNumber', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: -330, max: 310 }), (x, e) => {
        const s = pointJson(x, e);
        const back = JSON.parse(s) as number;
        expect(typeof back).toBe('number');
        expect(Math.abs(back - x)).toBeLessThanOrEqual(Math.max(Math.abs(x) * 5e-4, 0.5000001 * 10 ** e));
        expect(s.length).toBeLessThanOrEqual(compactNumber(x).length);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('snapshotJson', () => {
  const snap: ExpandedSnapshot = {
    reset: false,
    epoch: 'e1',
    t: 1_700_000_002_000,
    settings: { interval: 1000, window: 60_000, history: 300, heartbeat: 15_000 },
    checks: [],
    groups: [
      {
        channel: 'host',
        source: 'web-1',
        t0: 1_700_000_000_000,
        dt: [1000, 1001],
        values: { 'host.mem.used': { v: 583254016, min: 1, max: 583254016, avg: 291627008.5, n: 3, trend: 'rising', u: 'B' }, 'host.swap.used': { v: 0, min: 0, max: 0, avg: 0, n: 3, trend: 'stable', u: 'B' } },
        history: { 'host.mem.used': [1e8, null, 583254016], 'host.swap.used': [0, 0, 0] },
      },
      {
        channel: 'app',
        source: 'ai-1',
        t0: 1_700_000_000_000,
        dt: [10_000, 10_000, 10_000],
        step: 10_000,
        values: { 'app.x': { v: 3, min: 1, max: 9, avg: 3, n: 40, trend: 'stable', u: '' } },
        history: { 'app.x': [2, 3, 3, 3.25] },
        lo: { 'app.x': [1, 1, 1, 1] },
        hi: { 'app.x': [9, 5, 9, 9] },
      },
      { channel: 'app', source: 'ai-2', dt: [], values: {}, history: {} },
    ],
  };

  it('writes constant columns and even gaps as one number, points rounded per column, stats exact', () => {
    const text = snapshotJson(snap);
    expect(text).toContain('"host.swap.used":0');
    expect(text).toContain('"dt":10000,"points":4');
    expect(text).toContain('"lo":{"app.x":1}');
    expect(text).toContain('"dt":[1000,1001]');
    const back = Snapshot.parse(JSON.parse(text));
    expect(expandSnapshot(back)).toEqual({
      ...snap,
      groups: [{ ...snap.groups[0], history: { 'host.mem.used': [1e8, null, 5.83e8], 'host.swap.used': [0, 0, 0] } }, snap.groups[1], snap.groups[2]],
    });
    // The stats stay exact.
    expect(back.groups[0].values['host.mem.used'].v).toBe(583254016);
    expect(text.length).toBeLessThan(JSON.stringify(snap).length);
  });

  it('gives back the timeline and every column\'s points for any group (within its rounding)', () => {
    const col = fc.array(fc.option(fc.integer({ min: -5, max: 5 }), { nil: null }), { minLength: 4, maxLength: 4 });
    fc.assert(
      fc.property(fc.array(fc.constantFrom(1000, 1001), { minLength: 3, maxLength: 3 }), col, col, (dt, a, b) => {
        const g = { channel: 'app' as const, source: 's', t0: 5, dt, values: { a: snap.groups[1].values['app.x'], b: snap.groups[1].values['app.x'] }, history: { a, b } };
        const back = expandSnapshot(Snapshot.parse(JSON.parse(snapshotJson({ ...snap, groups: [g] })))).groups[0];
        expect(back).toEqual(g);
      }),
    );
  });
});
