import { describe, expect, it } from 'vitest';
import { Buckets } from './buckets.js';

describe('Buckets', () => {
  it('folds a live tick into the open bucket: lo, hi and a running average weighted by its ticks', () => {
    const b = new Buckets(4, 10_000);
    b.fill([0, 10_000], [5, 10], [1, 8], [9, 12], 4);
    b.push(15_000, 20);
    const [t, avg, lo, hi] = b.view();
    expect([...t]).toEqual([0, 10_000]);
    expect(avg[1]).toBeCloseTo((10 * 4 + 20) / 5);
    expect([lo[1], hi[1]]).toEqual([8, 20]);
  });

  it('opens the next bucket at its aligned start and drops the oldest when full', () => {
    const b = new Buckets(2, 10_000);
    b.fill([0, 10_000], [1, 2], [1, 2], [1, 2], 1);
    b.push(23_456, 7);
    const [t, avg, lo, hi] = b.view();
    expect([...t]).toEqual([10_000, 20_000]);
    expect([...avg, ...lo, ...hi]).toEqual([2, 7, 2, 7, 2, 7]);
  });

  it('ignores a replayed tick and skips null points of the snapshot; the tick gap, not the bucket, is its last gap', () => {
    const b = new Buckets(5, 60_000);
    b.fill([0, 60_000, 120_000], [1, null, 3], [1, null, 3], [1, null, 3], 1);
    expect(b.length).toBe(2);
    expect(b.push(130_000, 4)).toBe(true);
    expect(b.push(130_000, 4)).toBe(false);
    expect(b.push(131_000, 4)).toBe(true);
    expect(b.lastGap).toBe(1000);
  });
});
