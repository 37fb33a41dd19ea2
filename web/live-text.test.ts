import { describe, expect, it } from 'vitest';
import { layoutFoot } from './live-text.js';

// The footer as `.tile-foot > .in` lays it out: gap 8 between the groups, 10 between figures.
describe('layoutFoot', () => {
  it('spreads min, avg and max when all fit: min mid-way, avg at the end of its group, max at the right', () => {
    const at = layoutFoot(300, 60, 70, 80, 8, 10);
    // min/avg group: 300 - 8 - (10 + 80) = 202 wide; free 202 - 60 - 70 - 20 = 52.
    expect(at).toEqual({ min: 10 + 26, avg: 202 - 70, max: 300 - 80 });
  });

  it('drops the average first, then the minimum; the maximum keeps its room', () => {
    expect(layoutFoot(200, 60, 70, 80, 8, 10)).toEqual({ min: 102 - 60, avg: null, max: 120 });
    expect(layoutFoot(150, 60, 70, 80, 8, 10)).toEqual({ min: null, avg: null, max: 70 });
  });

  it('shows nothing it would cut: a maximum wider than the footer wraps out of sight', () => {
    expect(layoutFoot(80, 60, 70, 80, 8, 10)).toEqual({ min: null, avg: null, max: null });
  });
});
