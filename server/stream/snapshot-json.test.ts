import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Snapshot } from '../../shared/schema.js';
import { compactNumber, snapshotJson } from './snapshot-json.js';

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

describe('snapshotJson', () => {
  const snap: Snapshot = {
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
        values: { 'host.mem.used': { v: 583254016, min: 1, max: 583254016, avg: 291627008.5, n: 3, trend: 'rising', u: 'B' } },
        history: { 'host.mem.used': [1, null, 583254016] },
      },
      { channel: 'app', source: 'ai "1"', dt: [], values: {}, history: {} },
    ],
  };

  it('is the same snapshot as JSON.stringify gives, history points at 4 significant digits', () => {
    const back = JSON.parse(snapshotJson(snap)) as Snapshot;
    expect(back).toEqual({ ...snap, groups: [{ ...snap.groups[0], history: { 'host.mem.used': [1, null, 583300000] } }, snap.groups[1]] });
    // The stats stay exact.
    expect(back.groups[0].values['host.mem.used'].v).toBe(583254016);
    expect(snapshotJson(snap).length).toBeLessThan(JSON.stringify(snap).length);
  });
});
