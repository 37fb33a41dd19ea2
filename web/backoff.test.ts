import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  it('doubles per attempt up to the cap', () => {
    const mid = () => 1; // the top of each jitter range
    expect([0, 1, 2, 3, 4, 5, 6, 10].map((a) => backoffDelay(a, mid, 1000, 30_000))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
  });

  it('jitters between half and all of the ceiling', () => {
    expect(backoffDelay(2, () => 0)).toBe(2000);
    expect(backoffDelay(2, () => 0.5)).toBe(3000);
    expect(backoffDelay(2, () => 1)).toBe(4000);
  });

  it('survives absurd attempt counts', () => {
    expect(backoffDelay(10_000, () => 1)).toBe(30_000);
  });
});
