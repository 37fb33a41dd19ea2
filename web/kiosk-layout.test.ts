import { describe, expect, it } from 'vitest';
import { fitGrid } from './kiosk-layout.js';

describe('fitGrid', () => {
  it('fits every tile (cols × rows ≥ n)', () => {
    for (const n of [1, 2, 5, 12, 17, 50, 64]) {
      const g = fitGrid(n, 1920, 1080);
      expect(g.cols * g.rows).toBeGreaterThanOrEqual(n);
      expect((g.cols - 1) * g.rows).toBeLessThan(n); // no empty column
    }
  });

  it('prefers wide tiles on a wide screen and tall stacks on a tall one', () => {
    expect(fitGrid(12, 1920, 1080)).toEqual({ cols: 4, rows: 3 });
    expect(fitGrid(4, 400, 1600)).toEqual({ cols: 1, rows: 4 });
  });

  it('degrades to one cell for nothing to show', () => {
    expect(fitGrid(0, 100, 100)).toEqual({ cols: 1, rows: 1 });
  });
});
