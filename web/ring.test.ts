import { describe, expect, it } from 'vitest';
import { Ring } from './ring.js';

describe('Ring', () => {
  it('keeps points oldest first', () => {
    const r = new Ring(4);
    r.push(1, 10);
    r.push(2, 20);
    const [t, v] = r.view();
    expect([...t]).toEqual([1, 2]);
    expect([...v]).toEqual([10, 20]);
    expect(r.lastT).toBe(2);
    expect(r.lastV).toBe(20);
    expect(r.lastGap).toBe(1);
  });

  it('keeps only the newest `capacity` points across many wrap-arounds', () => {
    const r = new Ring(3);
    for (let i = 1; i <= 20; i++) {
      r.push(i, i * 10);
      const [t, v] = r.view();
      const expected = Array.from({ length: Math.min(i, 3) }, (_, k) => i - Math.min(i, 3) + 1 + k);
      expect([...t]).toEqual(expected);
      expect([...v]).toEqual(expected.map((x) => x * 10));
    }
    expect(r.length).toBe(3);
  });

  it('ignores a point that is not newer than the newest (replayed events)', () => {
    const r = new Ring(3);
    expect(r.push(5, 1)).toBe(true);
    expect(r.push(5, 2)).toBe(false);
    expect(r.push(4, 3)).toBe(false);
    expect([...r.view()[1]]).toEqual([1]);
  });

  it('fills from history keeping the newest points, and clears', () => {
    const r = new Ring(2);
    r.fill([1, 2, 3], [7, 8, 9]);
    expect([...r.view()[0]]).toEqual([2, 3]);
    expect([...r.view()[1]]).toEqual([8, 9]);
    r.clear();
    expect(r.length).toBe(0);
    expect(r.lastT).toBeNaN();
  });

  it('fills skipping nulls, still keeping the newest `capacity` points', () => {
    const r = new Ring(2);
    r.fill([1, 2, 3, 4, 5], [7, 8, null, 9, null]);
    expect(r.view().map((a) => [...a])).toEqual([
      [2, 4],
      [8, 9],
    ]);
    r.fill([1, 2], [null, null]);
    expect(r.length).toBe(0);
  });

  it('reuses the same storage (views share one buffer)', () => {
    const r = new Ring(2);
    r.push(1, 1);
    const before = r.view()[0].buffer;
    for (let i = 2; i < 50; i++) r.push(i, i);
    expect(r.view()[0].buffer).toBe(before);
  });

  it('rejects a bad capacity', () => {
    expect(() => new Ring(0)).toThrow(/positive integer/);
  });
});
