import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonBytes } from './json-bytes.js';
import { num } from './tick-json.js';

/** What JsonBytes.number writes for x, as text. */
function written(x: number): string {
  const out = new JsonBytes().begin();
  out.number(x, num);
  return out.text();
}

describe('JsonBytes.number', () => {
  it('writes exactly what num() gives (the shortest exact JSON form), digits straight or not', () => {
    const decimals = fc.tuple(fc.integer({ min: -2e9, max: 2e9 }), fc.integer({ min: 0, max: 8 })).map(([m, k]) => m / 10 ** k);
    const special = fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 0.01, 0.009999999, 1e9, 999_999_999.999999, 2 ** 31, -(2 ** 31), 2 ** 31 - 1, 100_000, 99_999, -100_000, 1_529_000_000, 1e21, 5e-324, 0.1 + 0.2);
    fc.assert(
      fc.property(fc.oneof(fc.double(), decimals, fc.integer(), special), (x) => {
        expect(written(x)).toBe(num(x));
      }),
      { numRuns: 20_000 },
    );
  });

  it('parses back to the same number', () => {
    for (const x of [37.5, -0.25, 0.010001, 123456.000001, 99.999999, 2147483647, -2147483648, 63.016666666666666])
      expect(Object.is(JSON.parse(written(x)), x)).toBe(true);
  });

  it('copyFrom copies what another writer wrote since a mark', () => {
    const a = new JsonBytes().begin();
    const b = new JsonBytes().begin();
    a.ascii('[1,');
    const mark = a.length;
    a.number(-12.5, num);
    b.ascii('{"v":');
    b.copyFrom(a, mark);
    expect(b.text()).toBe('{"v":-12.5');
    expect(a.text()).toBe('[1,-12.5');
  });
});
