import { describe, expect, it } from 'vitest';
import { histogramQuantile } from './quantile.js';

const b = (pairs: [number, number][]) => pairs.map(([le, count]) => ({ le, count }));

describe('histogramQuantile', () => {
  it('interpolates linearly inside the bucket that holds the rank', () => {
    // 100 observations: 10 ≤ 0.1, 50 ≤ 0.5, 90 ≤ 1, 100 ≤ +Inf.
    const h = b([[0.1, 10], [0.5, 50], [1, 90], [Infinity, 100]]);
    expect(histogramQuantile(0.5, h)).toBeCloseTo(0.5, 12);
    expect(histogramQuantile(0.3, h)).toBeCloseTo(0.1 + 0.4 * (20 / 40), 12);
    expect(histogramQuantile(0.05, h)).toBeCloseTo(0.05, 12); // first bucket starts at 0
  });

  it('answers the highest finite bound for a rank in the +Inf bucket', () => {
    expect(histogramQuantile(0.99, b([[0.1, 10], [1, 90], [Infinity, 100]]))).toBe(1);
  });

  it('is NaN without observations or without a +Inf bucket, ±Inf outside [0, 1]', () => {
    expect(histogramQuantile(0.5, b([[1, 0], [Infinity, 0]]))).toBeNaN();
    expect(histogramQuantile(0.5, b([[1, 3], [2, 4]]))).toBeNaN();
    expect(histogramQuantile(-1, b([[1, 3], [Infinity, 4]]))).toBe(-Infinity);
    expect(histogramQuantile(2, b([[1, 3], [Infinity, 4]]))).toBe(Infinity);
  });

  it('evens out a bucket count that dips below the one before', () => {
    const h = b([[1, 10], [2, 8], [3, 20], [Infinity, 20]]);
    expect(histogramQuantile(0.5, h)).toBeCloseTo(1, 12);
    expect(histogramQuantile(0.75, h)).toBeCloseTo(2 + (15 - 10) / 10, 12);
  });

  it('returns a non-positive first bound as is', () => {
    expect(histogramQuantile(0.1, b([[-1, 5], [0, 10], [Infinity, 10]]))).toBe(-1);
  });
});
